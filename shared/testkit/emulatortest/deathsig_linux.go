package emulatortest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill the emulator when the test binary
// exits, however it exits (a panic, a timeout, a Ctrl-C).
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
