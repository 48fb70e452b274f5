package queue

import "time"

// SetBackoffForTest sets the pause before the Publisher's first retry.
func SetBackoffForTest(p *Publisher, d time.Duration) { p.backoff = d }
