package check

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lookout-app/lookout/session"
)

// Account is one configured account to probe: its name and kind, and how
// to gather the endpoints and ICE servers it really uses (signing in to its
// service on the way).
type Account struct {
	Name, Kind string
	Target     func(ctx context.Context) (Target, error)
}

// RunOptions says which parts of the pre-check to run.
type RunOptions struct {
	// Devices is the sound system; nil skips the device check. When it
	// could not be opened, leave it nil and set DevicesProblem: the report
	// then says why there are no devices.
	Devices        AudioDevices
	DevicesProblem string
	DeviceOptions  DeviceOptions
	// Capacity measures how many tiles this PC can decode.
	Capacity bool
	// Accounts are probed one after the other; none skips the network.
	Accounts []Account
	Network  Options
	// Progress hears every step as it starts, for a UI.
	Progress func(step string)
	Logger   *slog.Logger
}

// Run runs the pre-check: devices, codecs, capacity, then every account's
// network. Report.OK is false when anything a call needs is unusable.
func Run(ctx context.Context, o RunOptions) Report {
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	rep := Report{OK: true}
	progress("codecs")
	rep.Codecs = CheckCodecs()
	switch {
	case o.Devices != nil:
		opts := o.DeviceOptions
		if opts.Progress == nil {
			opts.Progress = progress
		}
		rep.Devices = CheckDevices(ctx, o.Devices, opts)
		rep.OK = rep.OK && DevicesUsable(rep.Devices)
	case o.DevicesProblem != "":
		rep.Devices = &Devices{
			Microphones: []DeviceResult{{Name: "(none)", Verdict: "no sound system: talk will be unavailable", Detail: o.DevicesProblem}},
			Speakers:    []DeviceResult{{Name: "(none)", Verdict: "no sound system: camera audio cannot be heard", Detail: o.DevicesProblem}},
		}
		rep.OK = false
	}
	if o.Capacity {
		progress("capacity")
		if c, err := MeasureCapacity(ctx, progress); err == nil {
			rep.Capacity = c
		} else if o.Logger != nil {
			o.Logger.Warn("capacity test failed", "err", err)
		}
	}
	for _, a := range o.Accounts {
		if ctx.Err() != nil {
			break
		}
		progress("network " + a.Name)
		ar := checkAccount(ctx, a, o.Network)
		rep.Accounts = append(rep.Accounts, ar)
		rep.OK = rep.OK && ar.OK
	}
	return rep
}

// checkAccount signs in to the account's service to learn its endpoints and
// ICE servers (the "api" step, bounded by o.APITimeout), then probes them.
// A failed sign-in is classified (Classify): an unreachable service is not
// reported as refused credentials.
func checkAccount(ctx context.Context, a Account, o Options) AccountReport {
	o.defaults()
	start := time.Now()
	var t Target
	err := session.ErrNotFound
	if a.Target != nil {
		actx, cancel := context.WithTimeout(ctx, o.APITimeout)
		t, err = a.Target(actx)
		cancel()
	}
	api := Step{Name: "api", OK: err == nil, Ms: float64(time.Since(start).Microseconds()) / 1000,
		Detail: "signed in; configuration and ICE servers fetched"}
	failure := ""
	if err != nil {
		failure = Classify(err)
		api.Detail = session.Reason(err)
		if failure == FailureNetwork && isTimeout(err) {
			api.Detail = fmt.Sprintf("no answer within %s: %s", o.APITimeout, api.Detail)
		}
		t = Target{Account: a.Name, Kind: a.Kind, Steps: t.Steps}
	}
	for _, s := range append([]Step{api}, t.Steps...) {
		o.done(a.Name, s)
	}
	ar := CheckNetwork(ctx, t, o)
	ar.Account, ar.Kind = a.Name, a.Kind
	ar.Steps = append(append([]Step{api}, t.Steps...), ar.Steps...)
	if err != nil {
		// Nothing was measured: no grade, no figures.
		ar.OK = false
		ar.Quality = QualityUnknown
		ar.RTTMs, ar.LossUp, ar.LossDown, ar.UpKbps, ar.DownKbps, ar.Host = 0, 0, 0, 0, 0, ""
		ar.Measured = NotMeasured + api.Detail
		ar.Failure = failure
		switch {
		case ctx.Err() != nil:
			ar.Failure = ""
			ar.Verdict = "the check was canceled before it finished"
		case failure == FailureCredentials:
			ar.Verdict = "the " + a.Kind + " service refused the credentials: " + session.Reason(err) + "; fix the account's credentials in the config"
		case failure == FailureNetwork:
			ar.Verdict = "cannot reach the " + a.Kind + " service: " + api.Detail +
				"; check the network connection, DNS, a firewall or proxy, and the account's endpoint (the credentials were not tried)"
		default:
			ar.Verdict = "the " + a.Kind + " service failed: " + session.Reason(err)
		}
	}
	return ar
}

// DevicesUsable reports whether a call can use the devices: a working
// default (or only) microphone and speaker.
func DevicesUsable(d *Devices) bool {
	ok := func(list []DeviceResult) bool {
		for _, r := range list {
			if r.OK && (r.Default || len(list) == 1) {
				return true
			}
		}
		return false
	}
	return ok(d.Microphones) && ok(d.Speakers)
}

// FirstProblem names, in one line, what makes the report unusable.
func (r Report) FirstProblem() string {
	if d := r.Devices; d != nil && !DevicesUsable(d) {
		for _, x := range append(append([]DeviceResult{}, d.Microphones...), d.Speakers...) {
			if !x.OK {
				return x.Name + ": " + x.Verdict
			}
		}
	}
	for _, a := range r.Accounts {
		if !a.OK {
			return a.Account + ": " + a.Verdict
		}
	}
	if !r.OK {
		return "not everything needed for a call works"
	}
	return ""
}
