/* The debug backend: every live block recorded with its allocation stack,
 * and every misuse caught with the stacks that explain it. Types and
 * invariants, written down once.
 *
 * A block sits in a slot between two redzones:
 *
 *     slot            ptr              ptr+size                 slot_end
 *     | left redzone  | the block      | right redzone (>= 16)  |
 *
 * (Only the last 16 bytes of the left side are a redzone, and only the
 * first 4 KiB of the right side, so large alignments cost no fill; the
 * rest is slack, left as it is and never checked.)
 *
 * A block of more than SPLIT_MIN bytes is patterned only within EDGE bytes
 * of its ends: the whole pages between, its middle, are left as they are
 * when it is allocated and given back to the kernel when it is freed (they
 * then read as zeros), so a huge block costs no page faults it did not ask
 * for. A write after free into the middle is a page that came back into
 * memory holding something other than zeros.
 *
 * Records live out of band, in block tables sharded by address, each with
 * its own lock (services/mem/shards.h), so a corrupted heap cannot corrupt
 * them and threads do not serialise on one lock (track.c). Slots come from pools or mappings of
 * their own (slots.c). The quarantine is kept per shard, under the shard's
 * lock, so freeing takes no global lock either: a freed block's record
 * moves from the table to a ring of the shard's, oldest first
 * (quarantine.c). Locks are never nested except in freeze and
 * fork_prepare, which take them all; a report is written only after every
 * lock is released, since writing one enumerates the blocks.
 *
 * Invariants (validate.c checks them all; some are also HS_ASSERTs where
 * the code relies on them):
 *   - a record's slot holds the block and its redzones: slot <= ptr -
 *     REDZONE, ptr is HS_MIN_ALIGN-aligned, ptr + size + REDZONE <=
 *     slot_end;
 *   - pool < POOLS: the slot was cut by that pool, slot_size is its size
 *     class's; pool == MAPPED: the slot is a mapping of slot_size bytes;
 *   - a LIVE record is in the table of the shard its address hashes to,
 *     keyed by that address; so is a FREED one while its free is under
 *     way (the free marks it, then lets the lock go until it moves the
 *     record into the quarantine);
 *   - a quarantined record is FREED, in the ring of the shard its address
 *     hashes to, and not in the table;
 *   - no two records' slots overlap, and a slot free in its pool is held
 *     by no record;
 *   - a shard's ring holds count <= RING_SLOTS records from head, and its
 *     bytes are the sum of their slot sizes; the quarantined bytes of all
 *     shards add up to quarantined_bytes whenever no shard's lock is held
 *     by another thread.
 * The fill patterns are not invariants: the program may damage them, and
 * that is an error to report (check_all), not a fault of the backend. */
#ifndef HS_DEBUG_H
#define HS_DEBUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "services/core/lock.h"
#include "services/mem/shards.h"

struct hs_error;

#define REDZONE 16
#define RIGHT_ZONE_MAX 4096 /* slack past that is left unfilled, unchecked */
#define FILL_FRESH 0xbe
#define FILL_FREED 0xfd
#define FILL_LEFT 0xfa
#define FILL_RIGHT 0xfb
#define POOLS 8
#define MAPPED 0xff /* pool number of a slot mapped on its own */
#define SPLIT_MIN ((size_t)1 << 20)
#define EDGE ((size_t)64 << 10)
#define QUARANTINE_SLOTS ((size_t)1 << 17)
#define RING_SLOTS (QUARANTINE_SLOTS / HS_SHARD_COUNT)

_Static_assert(QUARANTINE_SLOTS % HS_SHARD_COUNT == 0,
               "the rings of the shards share the quarantine's slots evenly");
_Static_assert(REDZONE % HS_MIN_ALIGN == 0,
               "a slot's first block address is the slot's plus REDZONE, aligned as the slot");
_Static_assert(RIGHT_ZONE_MAX >= REDZONE, "a right redzone is at least REDZONE bytes");
_Static_assert(POOLS < MAPPED && MAPPED <= UINT8_MAX, "pool numbers and MAPPED fit apart a byte");
_Static_assert(SPLIT_MIN > 2 * EDGE, "a block with a middle has its two edges apart");

enum state { LIVE, FREED };

struct debug_block {
    uintptr_t ptr; /* key: the address the program holds */
    size_t size;
    uintptr_t slot;
    size_t slot_size; /* the pool's size class, or the mapping's length */
    const struct hs_stack *alloc_stack, *free_stack;
    uint32_t thread, free_thread;
    uint8_t kind, state, pool;
    bool ignored; /* never a leak (heapshim.h) */
};

/* The records of the blocks, in tables sharded by address (track.c); a
 * shard's lock also guards its part of the quarantine (quarantine.c). */
extern struct hs_shards hs_debug_records;

static inline struct hs_shard *shard_of(uintptr_t ptr)
{
    return hs_shard_of(&hs_debug_records, ptr);
}

static inline uintptr_t align_up(uintptr_t x, size_t a)
{
    return (x + a - 1) & ~(uintptr_t)(a - 1);
}

static inline uintptr_t slot_end(const struct debug_block *b) { return b->slot + b->slot_size; }

/* The slot holds the block and both its redzones, the block aligned: what
 * painting and checking it take for granted. */
static inline bool holds_block(const struct debug_block *b)
{
    return b->ptr % HS_MIN_ALIGN == 0 && b->slot + REDZONE <= b->ptr &&
           b->ptr + b->size + REDZONE <= slot_end(b);
}

/* The memory a freed block holds back while in the quarantine: its slot,
 * redzones and all. */
static inline size_t held_bytes(const struct debug_block *b) { return b->slot_size; }

/* The left redzone is the REDZONE bytes before the block (a large
 * alignment may leave more slack before it, which is not filled); the
 * right one runs to the end of the slot, at most RIGHT_ZONE_MAX bytes. */
static inline uintptr_t left_zone(const struct debug_block *b) { return b->ptr - REDZONE; }

static inline uintptr_t right_zone_end(const struct debug_block *b)
{
    uintptr_t end = slot_end(b);
    return end - (b->ptr + b->size) > RIGHT_ZONE_MAX ? b->ptr + b->size + RIGHT_ZONE_MAX : end;
}

/* track.c: the records. */

/* Fills in the block part of an error report from b. */
void hs_debug_describe(struct hs_error *e, const struct debug_block *b);
/* Any block, live or quarantined, whose slot holds addr (an interior
 * pointer, say), copied into *out; false if none. Takes each shard's lock
 * in turn: a slow path, for error reports only. */
bool hs_debug_find_containing(uintptr_t addr, struct debug_block *out);
/* The vtable operations that only look records up (backend.h). */
size_t hs_debug_usable_size(const void *ptr);
bool hs_debug_ignore(const void *ptr);
void hs_debug_for_each_block(hs_block_visitor *visit, void *ctx);
bool hs_debug_locate(uintptr_t addr, struct hs_place *out);

/* slots.c: where blocks sit. */

/* Sets b's slot, pool and slot_size to a slot of at least need bytes;
 * *zeroed says whether it reads as zeros. False when there is no memory. */
bool hs_debug_get_slot(struct debug_block *b, size_t need, bool *zeroed);
/* Gives b's slot back to where it came from. */
void hs_debug_put_slot(const struct debug_block *b);
/* Every pool's lock: taken by freeze and fork_prepare, released by thaw
 * and fork_parent, reset in the child. */
void hs_debug_pools_lock(void);
void hs_debug_pools_unlock(void);
void hs_debug_pools_reset(void);
/* Calls visit for every slot free in a pool, with its length. The caller
 * holds every pool's lock (validate). */
void hs_debug_for_each_free_slot(void (*visit)(uintptr_t slot, size_t len, void *ctx), void *ctx);

/* quarantine.c: freed blocks held back. */

/* Reads the bound from the configuration and maps the rings. */
void hs_debug_quarantine_init(void);
/* Moves a freed block (marked FREED in the table) from the table into its
 * shard's quarantine, then evicts from the shards in turn while the
 * quarantine is over its bound; what leaves is checked and its slot put
 * back with no lock held. call and stack: the free's. */
void hs_debug_enter_quarantine(const struct debug_block *freed, const char *call,
                               const struct hs_stack *stack);
/* Releases every quarantined block, for an allocation that found no
 * memory (call and stack: its own). Returns whether there was any. */
bool hs_debug_empty_quarantine(const char *call, const struct hs_stack *stack);
/* The bytes the quarantine holds, all shards together; read unlocked. */
size_t hs_debug_quarantined_bytes(void);
/* The quarantined record, in the ring of the shard numbered `shard`, of
 * the block that starts at addr (in_slot: of the block whose slot holds
 * addr), or NULL. Shard locked; a linear search, for error reports only. */
const struct debug_block *hs_debug_quarantined(size_t shard, uintptr_t addr, bool in_slot);
/* Checks, reports and repairs the freed pattern of every quarantined
 * block; returns how many were damaged. stack: the check's. */
size_t hs_debug_check_quarantine(const struct hs_stack *stack);
/* Adds the quarantine's blocks and bytes to *out. */
void hs_debug_quarantine_facts(struct hs_backend_facts *out);
/* Checks the quarantine's counts against its records (each ring within
 * its slots, its bytes the sum of its records', quarantined_bytes the sum
 * of the shards') with HS_ASSERT, and calls visit for every quarantined
 * record, with the number of the shard whose ring holds it. The caller
 * holds every shard's lock (validate). */
void hs_debug_validate_quarantine(void (*visit)(const struct debug_block *b, size_t shard,
                                                void *ctx),
                                  void *ctx);

/* validate.c: the vtable's validate (backend.h). */
void hs_debug_validate(void);

#endif
