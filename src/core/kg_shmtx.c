/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


#define KG_SHMTX_SPIN  2048


void
kg_spinlock(kg_atomic_t *lock, kg_atomic_int_t value, kg_uint_t spin)
{
    kg_uint_t  i, n;

    for ( ;; ) {

        if (*lock == 0 && kg_atomic_cmp_set(lock, 0, value)) {
            return;
        }

        /* spinning is pointless on one CPU, but costs little */

        for (n = 1; n < spin; n <<= 1) {

            for (i = 0; i < n; i++) {
                kg_cpu_pause();
            }

            if (*lock == 0 && kg_atomic_cmp_set(lock, 0, value)) {
                return;
            }
        }

        sched_yield();
    }
}


kg_int_t
kg_shmtx_create(kg_shmtx_t *mtx, kg_shmtx_sh_t *addr, u_char *name)
{
    mtx->lock = &addr->lock;
    mtx->spin = KG_SHMTX_SPIN;

    return KG_OK;
}


void
kg_shmtx_destroy(kg_shmtx_t *mtx)
{
}


/*
 * the lock word holds the owner's pid (never 0), which lets the master
 * release a lock held by a worker that died
 */

kg_uint_t
kg_shmtx_trylock(kg_shmtx_t *mtx)
{
    kg_atomic_uint_t  pid;

    pid = (kg_atomic_uint_t) getpid();

    return (*mtx->lock == 0 && kg_atomic_cmp_set(mtx->lock, 0, pid));
}


void
kg_shmtx_lock(kg_shmtx_t *mtx)
{
    kg_atomic_uint_t  pid;

    pid = (kg_atomic_uint_t) getpid();

    kg_spinlock(mtx->lock, (kg_atomic_int_t) pid,
                mtx->spin ? mtx->spin : KG_SHMTX_SPIN);
}


void
kg_shmtx_unlock(kg_shmtx_t *mtx)
{
    kg_atomic_uint_t  pid;

    pid = (kg_atomic_uint_t) getpid();

    (void) kg_atomic_cmp_set(mtx->lock, pid, 0);
}


kg_uint_t
kg_shmtx_force_unlock(kg_shmtx_t *mtx, kg_atomic_uint_t pid)
{
    return kg_atomic_cmp_set(mtx->lock, pid, 0);
}
