#ifndef BOTRUN_LUABRIDGE_H
#define BOTRUN_LUABRIDGE_H
/* Public C API of the Lua bridge. Every function here is safe to call from Swift:
   none of them raises a Lua error or longjmps past its own frame. */

const char *lb_lua_version(void);

#endif
