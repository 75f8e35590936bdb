/* Benchmark of the Lua bridge hot path (issue 5): JSON bytes -> Lua tables ->
   handler call, through the public lb_dispatch. Not a test; run scripts/bench-lua.
   Usage: lua_dispatch_bench FILE.json [iterations] */
#include "luabridge.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE.json [iterations]\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) { perror("read"); return 2; }
    fclose(f);
    long iters = argc > 2 ? atol(argv[2]) : 0;
    if (iters <= 0) iters = len > 100000 ? 200 : 200000;

    lb_options opts = {1, 0, 0, NULL};
    lb_state *S = lb_new(&opts, NULL);
    const char *script = "n = 0\nfunction on_bench(d) local c = type(d.d) == \"table\" and d.d.content; n = n + 1 end";
    if (lb_load_buffer(S, script, strlen(script), "bench.lua") != LB_OK || lb_run_main(S) != LB_OK) {
        fprintf(stderr, "%s\n", lb_last_error(S));
        return 1;
    }
    for (long i = 0; i < iters / 10 + 1; i++) lb_dispatch(S, "BENCH", (const uint8_t *)buf, (size_t)len, 0, i);
    double t0 = lb_now();
    for (long i = 0; i < iters; i++) {
        if (lb_dispatch(S, "BENCH", (const uint8_t *)buf, (size_t)len, 0, i) != LB_OK) {
            fprintf(stderr, "%s\n", lb_last_error(S));
            return 1;
        }
    }
    double dt = lb_now() - t0;
    lb_stats st;
    lb_get_stats(S, &st);
    printf("%s: %ld bytes x %ld: %.0f events/s, %.1f MB/s, %.2f us/event, lua memory %.1f MB\n", argv[1], len, iters,
           iters / dt, len * (double)iters / dt / 1e6, dt / iters * 1e6, st.memory / 1e6);
    lb_close(S);
    free(buf);
    return 0;
}
