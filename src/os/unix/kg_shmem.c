/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


kg_int_t
kg_shm_alloc(kg_shm_t *shm)
{
    shm->addr = (u_char *) mmap(NULL, shm->size,
                                PROT_READ|PROT_WRITE,
                                MAP_ANON|MAP_SHARED, -1, 0);

    if (shm->addr == MAP_FAILED) {
        kg_log_error(KG_LOG_EMERG, shm->log, kg_errno,
                     "mmap(MAP_ANON|MAP_SHARED, %uz) failed", shm->size);
        shm->addr = NULL;
        return KG_ERROR;
    }

    return KG_OK;
}


void
kg_shm_free(kg_shm_t *shm)
{
    if (munmap((void *) shm->addr, shm->size) == -1) {
        kg_log_error(KG_LOG_ALERT, shm->log, kg_errno,
                     "munmap(%p, %uz) failed", shm->addr, shm->size);
    }
}
