package reports

import (
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// TestOverallProgress: the platform's progress when it reported one, else
// the share of lessons done, else 0.
func TestOverallProgress(t *testing.T) {
	tests := []struct {
		name string
		e    bo.Enrollment
		want float64
	}{
		{"nothing reported", bo.Enrollment{}, 0},
		{"progress only", bo.Enrollment{Progress: 12.5}, 12.5},
		{"lessons only", bo.Enrollment{LessonsCompleted: 3, LessonsTotal: 8}, 37.5},
		{"progress wins over lessons", bo.Enrollment{Progress: 10, LessonsCompleted: 8, LessonsTotal: 8}, 10},
		{"no lesson done", bo.Enrollment{LessonsTotal: 8}, 0},
		{"lessons done never past the total", bo.Enrollment{LessonsCompleted: 9, LessonsTotal: 8}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := overallProgress(tt.e); got != tt.want {
				t.Fatalf("overallProgress = %v, want %v", got, tt.want)
			}
		})
	}
}
