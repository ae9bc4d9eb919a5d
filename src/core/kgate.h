/*
 * Copyright (C) kgate authors
 */


#ifndef _KGATE_H_INCLUDED_
#define _KGATE_H_INCLUDED_


#define kgate_version      1000
#define KGATE_VERSION      "0.1.0"
#define KGATE_VER          "kgate/" KGATE_VERSION

#define KGATE_VAR          "KGATE"
#define KG_OLDPID_EXT      ".oldbin"


#endif /* _KGATE_H_INCLUDED_ */
