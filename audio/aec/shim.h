/* C view of the two engines, so cgo sees plain functions. */
#ifndef LOOKOUT_AEC_SHIM_H
#define LOOKOUT_AEC_SHIM_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct lookout_wapm lookout_wapm;

/* lookout_wapm_new returns NULL when WebRTC's APM refuses the settings. */
lookout_wapm *lookout_wapm_new(int rate, int echo, int denoise, int agc);
int lookout_wapm_reverse(lookout_wapm *w, const int16_t *ref, int n);
int lookout_wapm_process(lookout_wapm *w, int16_t *mic, int n, int delay_ms);
int lookout_wapm_stages(lookout_wapm *w, int denoise, int agc);
void lookout_wapm_free(lookout_wapm *w);

#ifdef __cplusplus
}
#endif
#endif
