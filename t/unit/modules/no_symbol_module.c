/*
 * Copyright (C) kgate authors
 */


/*
 * A shared object that is not a kgate module: it exports no kg_modules,
 * so load_module must fail on dlsym() instead of crashing.
 */


#include <kg_config.h>
#include <kg_core.h>


int  no_symbol_module_marker = 1;
