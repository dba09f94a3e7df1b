package ffmpeg

/*
#cgo pkg-config: libavutil libavcodec
#include <libavutil/avutil.h>
#include <libavcodec/avcodec.h>
*/
import "C"

import "fmt"

// Version names the FFmpeg libraries in use: the release and libavcodec's
// own version, e.g. "5.1.6 (libavcodec 59.37.100)".
func Version() string {
	v := uint(C.avcodec_version())
	return fmt.Sprintf("%s (libavcodec %d.%d.%d)", C.GoString(C.av_version_info()), v>>16, (v>>8)&0xff, v&0xff)
}
