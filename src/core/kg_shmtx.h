/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_SHMTX_H_INCLUDED_
#define _KG_SHMTX_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/* atomics on the GCC builtins, valid in memory shared between processes */

typedef long                        kg_atomic_int_t;
typedef unsigned long               kg_atomic_uint_t;

#if (KG_PTR_SIZE == 8)
#define KG_ATOMIC_T_LEN            (sizeof("-9223372036854775808") - 1)
#else
#define KG_ATOMIC_T_LEN            (sizeof("-2147483648") - 1)
#endif

typedef volatile kg_atomic_uint_t  kg_atomic_t;


#define kg_atomic_cmp_set(lock, old, set)                                    \
    __sync_bool_compare_and_swap(lock, old, set)

#define kg_atomic_fetch_add(value, add)                                      \
    __sync_fetch_and_add(value, add)

#define kg_memory_barrier()        __sync_synchronize()

#if (defined __i386__ || defined __x86_64__)
#define kg_cpu_pause()             __asm__ ("pause")
#elif (defined __aarch64__)
#define kg_cpu_pause()             __asm__ __volatile__ ("yield" ::: "memory")
#else
#define kg_cpu_pause()
#endif



void kg_spinlock(kg_atomic_t *lock, kg_atomic_int_t value, kg_uint_t spin);

#define kg_trylock(lock)  (*(lock) == 0 && kg_atomic_cmp_set(lock, 0, 1))
#define kg_unlock(lock)    *(lock) = 0


/*
 * a mutex in a shared memory zone: the lock word holds the owner's pid,
 * so the master can release the lock of a worker that died holding it
 */

typedef struct {
    kg_atomic_t        lock;
} kg_shmtx_sh_t;


typedef struct {
    kg_atomic_t       *lock;
    kg_uint_t          spin;
} kg_shmtx_t;


kg_int_t kg_shmtx_create(kg_shmtx_t *mtx, kg_shmtx_sh_t *addr,
    u_char *name);
void kg_shmtx_destroy(kg_shmtx_t *mtx);
kg_uint_t kg_shmtx_trylock(kg_shmtx_t *mtx);
void kg_shmtx_lock(kg_shmtx_t *mtx);
void kg_shmtx_unlock(kg_shmtx_t *mtx);
kg_uint_t kg_shmtx_force_unlock(kg_shmtx_t *mtx, kg_atomic_uint_t pid);


#endif /* _KG_SHMTX_H_INCLUDED_ */
