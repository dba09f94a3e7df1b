package check

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/lookout-app/lookout/session"
)

// Why an account's check failed (AccountReport.Failure, "failure" in the
// JSON report).
const (
	// FailureNetwork: the service, or the path to its media servers, could
	// not be reached: a name that does not resolve, a refused or reset
	// connection, no route, or no answer in time. The credentials were not
	// judged.
	FailureNetwork = "network"
	// FailureCredentials: the service answered and refused the account's
	// credentials or signature (session.ErrUnauthorized).
	FailureCredentials = "credentials"
	// FailureService: the service answered with another error (not found,
	// busy, a malformed answer, an untrusted certificate ...).
	FailureService = "service"
)

// Classify says whether err, from signing in to a service, is a refusal of
// the credentials, a network failure or another failure of the service. It
// decides on the errors' types and sentinels, never on their text: a
// refusal wraps session.ErrUnauthorized (every protocol client maps its
// service's codes to it where it parses them); a network failure is a
// *net.DNSError, a *net.OpError (dial, read or write), a refused, reset or
// unreachable connection, or a timeout (context.DeadlineExceeded,
// os.ErrDeadlineExceeded, session.ErrTimeout, or an error whose Timeout
// method says so, as net/http's do). nil gives "".
func Classify(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, session.ErrUnauthorized):
		return FailureCredentials
	case isNetwork(err):
		return FailureNetwork
	}
	return FailureService
}

// isNetwork reports whether err says the network failed.
func isNetwork(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr), errors.As(err, &opErr), isTimeout(err):
		return true
	}
	for _, e := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EHOSTUNREACH,
		syscall.ENETUNREACH, syscall.ENETDOWN, syscall.EPIPE, ErrNoAnswer} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// isTimeout reports whether err is a timeout.
func isTimeout(err error) bool {
	var to interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, session.ErrTimeout) || errors.As(err, &to) && to.Timeout()
}
