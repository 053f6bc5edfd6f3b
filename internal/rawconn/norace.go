//go:build linux && !race

package rawconn

func raceAcquire(uintptr) {}
func raceRelease(uintptr) {}
