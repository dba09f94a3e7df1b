// The WebRTC audio processing module (libwebrtc-audio-processing 0.3) seen
// through shim.h: one APM, mono int16 frames of 10 ms.
#include <string.h>
#include "webrtc/modules/audio_processing/include/audio_processing.h"
#include "webrtc/modules/interface/module_common_types.h"
#include "shim.h"

struct lookout_wapm {
	webrtc::AudioProcessing *apm;
	webrtc::AudioFrame frame;
	int rate;
};

static void fill(lookout_wapm *w, const int16_t *p, int n) {
	w->frame.UpdateFrame(0, 0, p, n, w->rate, webrtc::AudioFrame::kNormalSpeech,
		webrtc::AudioFrame::kVadUnknown, 1);
}

extern "C" lookout_wapm *lookout_wapm_new(int rate, int echo, int denoise, int agc) {
	webrtc::Config cfg;
	cfg.Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(true));
	cfg.Set<webrtc::DelayAgnostic>(new webrtc::DelayAgnostic(true));
	webrtc::AudioProcessing *apm = webrtc::AudioProcessing::Create(cfg);
	if (apm == NULL) return NULL;
	webrtc::StreamConfig mono(rate, 1, false);
	webrtc::ProcessingConfig pc = {{mono, mono, mono, mono}};
	bool ok = apm->Initialize(pc) == 0;
	ok = ok && apm->high_pass_filter()->Enable(true) == 0;
	ok = ok && apm->echo_cancellation()->enable_drift_compensation(false) == 0;
	ok = ok && apm->echo_cancellation()->Enable(echo != 0) == 0;
	ok = ok && apm->noise_suppression()->set_level(webrtc::NoiseSuppression::kHigh) == 0;
	ok = ok && apm->noise_suppression()->Enable(denoise != 0) == 0;
	ok = ok && apm->gain_control()->set_mode(webrtc::GainControl::kAdaptiveDigital) == 0;
	ok = ok && apm->gain_control()->set_target_level_dbfs(3) == 0;
	ok = ok && apm->gain_control()->set_compression_gain_db(9) == 0;
	ok = ok && apm->gain_control()->Enable(agc != 0) == 0;
	if (!ok) {
		delete apm;
		return NULL;
	}
	lookout_wapm *w = new lookout_wapm;
	w->apm = apm;
	w->rate = rate;
	return w;
}

extern "C" int lookout_wapm_reverse(lookout_wapm *w, const int16_t *ref, int n) {
	fill(w, ref, n);
	return w->apm->ProcessReverseStream(&w->frame);
}

extern "C" int lookout_wapm_process(lookout_wapm *w, int16_t *mic, int n, int delay_ms) {
	fill(w, mic, n);
	w->apm->set_stream_delay_ms(delay_ms);
	int err = w->apm->ProcessStream(&w->frame);
	if (err != 0) return err;
	memcpy(mic, w->frame.data_, n * sizeof(int16_t));
	return 0;
}

extern "C" int lookout_wapm_stages(lookout_wapm *w, int denoise, int agc) {
	int err = w->apm->noise_suppression()->Enable(denoise != 0);
	if (err != 0) return err;
	return w->apm->gain_control()->Enable(agc != 0);
}

extern "C" void lookout_wapm_free(lookout_wapm *w) {
	delete w->apm;
	delete w;
}
