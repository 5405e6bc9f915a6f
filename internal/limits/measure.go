package limits

import "runtime"

// AllocatedBytes returns how many bytes f allocated on the heap. Tests use it to show that hostile input is
// refused at a cost bounded by its size, which a wall-clock limit on a shared machine could not show.
func AllocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
