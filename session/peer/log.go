package peer

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/pion/logging"
)

// Logs adapts pion's logger factory to slog, quieter than pion rates
// itself: pion warns about routine events (a relay it cannot reach) and
// reports teardown races as errors ("Failed to close relay connection: use
// of closed network connection" during a hang-up), while the session says
// what failed in its own words. So pion's warnings and errors are logged at
// info, out of sight at the default level, and everything else at debug. Every pion user in Lookout
// (sessions, the pre-check, the demo site) logs through it.
func Logs(log *slog.Logger) logging.LoggerFactory {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return pionLogs{log: log}
}

type pionLogs struct{ log *slog.Logger }

// NewLogger returns a leveled logger for one pion scope.
func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) emit(level slog.Level, msg string) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, Redact(msg))
	}
}

// emitf formats only when the level is enabled: pion traces a lot.
func (l pionLogger) emitf(level slog.Level, format string, args []any) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, Redact(fmt.Sprintf(format, args...)))
	}
}

// secretValue matches a credential in pion's words: the value after a
// name such as remotePwd, localPwd, ice-pwd, password, credential,
// username (TURN usernames are signed), integrity or key, up to the next
// blank or quote. pion's ICE agent logs "remotePwd: %q" at debug level.
var secretValue = regexp.MustCompile(`(?i)((?:remote|local)?pwd|ice-pwd|pass(?:word)?|credentials?|username|integrity|secret|token|key)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;]+)`)

// Redact hides the credentials in a log message: ICE passwords, TURN
// credentials and anything else named as a password, secret or token.
func Redact(msg string) string {
	return secretValue.ReplaceAllString(msg, "${1}${2}(hidden)")
}

func (l pionLogger) Trace(msg string)                  { l.emit(slog.LevelDebug-4, msg) }
func (l pionLogger) Tracef(format string, args ...any) { l.emitf(slog.LevelDebug-4, format, args) }
func (l pionLogger) Debug(msg string)                  { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Debugf(format string, args ...any) { l.emitf(slog.LevelDebug, format, args) }
func (l pionLogger) Info(msg string)                   { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.emitf(slog.LevelDebug, format, args) }
func (l pionLogger) Warn(msg string)                   { l.emit(slog.LevelInfo, msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.emitf(slog.LevelInfo, format, args) }
func (l pionLogger) Error(msg string)                  { l.emit(slog.LevelInfo, msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.emitf(slog.LevelInfo, format, args) }
