/* Escaping names for reports. Program and module paths, symbol names and
 * source file names are bytes from the file system and from object files,
 * not text: any byte but NUL may appear in them, including newlines,
 * terminal escapes and bytes that are not UTF-8. These two functions write
 * such a name so that a text report keeps every line its own and a JSON
 * report stays valid for every parser. */
#ifndef HS_ESCAPE_H
#define HS_ESCAPE_H

#include "services/report/writer.h"

/* Writes s into a text report line. Well-formed UTF-8 characters that print
 * are written as they are. Escaped: '\' as "\\"; newline, carriage return
 * and tab as "\n", "\r", "\t"; every other byte of a control character (C0,
 * DEL, C1, the line and paragraph separators, the bidirectional overrides)
 * and every byte that is not part of well-formed UTF-8 as "\xNN". The exact
 * bytes can be read back from the result. */
void hs_text_string(struct hs_writer *w, const char *s);

/* Writes s as a JSON string with its quotes, or null when s is NULL.
 * Well-formed UTF-8 is written as it is, '"' and '\' with a backslash,
 * newline, carriage return and tab as "\n", "\r", "\t", the other control
 * characters as "\uXXXX", and bytes that are not well-formed UTF-8 as
 * "\ufffd" (U+FFFD, the replacement character), one for each maximal
 * subpart as Unicode recommends (what Python's errors="replace" gives): the
 * result is valid UTF-8 and valid I-JSON, which every parser accepts; the
 * exact bytes are in the text report. */
void hs_json_string(struct hs_writer *w, const char *s);

#endif
