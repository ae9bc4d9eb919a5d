/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_DLOPEN_H_INCLUDED_
#define _KG_DLOPEN_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>

#include <dlfcn.h>


/*
 * RTLD_GLOBAL lets a module loaded later resolve symbols of a module
 * loaded before it; RTLD_NOW makes an unresolved symbol a load_module
 * error at configuration time instead of a crash in a worker.
 */
#define kg_dlopen(path)           dlopen((char *) path, RTLD_NOW | RTLD_GLOBAL)
#define kg_dlopen_n               "dlopen()"

#define kg_dlsym(handle, symbol)  dlsym(handle, symbol)
#define kg_dlsym_n                "dlsym()"

#define kg_dlclose(handle)        dlclose(handle)
#define kg_dlclose_n              "dlclose()"


char *kg_dlerror(void);


#endif /* _KG_DLOPEN_H_INCLUDED_ */
