package dynamo

import "time"

// TrendKeyForTest is the primary key of the roll-up of an org (programID
// "") or a program for at's UTC day.
func TrendKeyForTest(orgID, programID string, at time.Time) (string, string) {
	k := trendKey(orgID, programID, at)
	return k.PK, k.SK
}
