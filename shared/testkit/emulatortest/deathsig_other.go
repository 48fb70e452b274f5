//go:build !linux

package emulatortest

import "os/exec"

// setDeathSignal does nothing where the kernel has no parent-death signal:
// there a moto server the tests started outlives the test binary, and has to
// be stopped by hand. Run the tests through `make test` to avoid it.
func setDeathSignal(*exec.Cmd) {}
