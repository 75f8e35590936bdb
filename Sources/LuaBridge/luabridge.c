#include "luabridge.h"
#include <lua.h>

const char *lb_lua_version(void) { return LUA_RELEASE; }
