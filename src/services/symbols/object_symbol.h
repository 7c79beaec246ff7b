/* One loaded object's own definition of a symbol, found in its dynamic
 * symbol table as the loader would, where dlsym would give the first
 * definition in the lookup order instead (the shim's, or another
 * allocator's linked into the program). */
#ifndef HS_OBJECT_SYMBOL_H
#define HS_OBJECT_SYMBOL_H

/* The address of the function name as defined (default version) by the
 * loaded object that contains in_object; NULL when it defines none. Takes the
 * loader's lock, allocates nothing: safe inside malloc. */
void *hs_object_symbol(const void *in_object, const char *name);

#endif
