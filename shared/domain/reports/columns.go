package reports

import bo "github.com/learnops/backoffice/shared/backoffice"

// The files of a report's zip, in the order they are written.
const (
	MemberFile         = "member-report.csv"
	UsageFile          = "usage-report.csv"
	SpecializationFile = "specialization-report.csv"
	// GradebookFile is the one file of a gradebook export.
	GradebookFile = "gradebook.csv"
)

// ProfileColumns are the optional profile columns that end every report,
// filled from the learner's profile (bo.ProfileFields names the field of
// each); empty for a learner without the attribute.
var ProfileColumns = []string{"Manager Name", "Manager Email", "Job Title", "Job Type", "Business Unit",
	"Business Unit 2", "Location City", "Location Country", "Location Region"}

// profileCells returns the learner's profile attributes in the order of
// ProfileColumns.
func profileCells(l bo.Learner) []string {
	out := make([]string, len(ProfileColumns))
	for i, col := range ProfileColumns {
		for _, f := range bo.ProfileFields {
			if f.Column == col {
				out[i] = l.Profile[f.Name]
			}
		}
	}
	return out
}

// externalID is the learner's External Id cell: the admin's id for them,
// or else the employee id of their profile.
func externalID(l bo.Learner) string {
	if l.ExternalID != "" {
		return l.ExternalID
	}
	return l.Profile[bo.ProfileEmployeeID]
}

// overallProgress is the enrollment's Overall Progress: the share the platform
// reported or, when it reported none but did report lessons, the share of
// the lessons done, so that an item whose events carry only lessons does
// not read 0.
func overallProgress(e bo.Enrollment) float64 {
	if e.Progress > 0 || e.LessonsTotal == 0 {
		return e.Progress
	}
	return 100 * float64(min(e.LessonsCompleted, e.LessonsTotal)) / float64(e.LessonsTotal)
}

// withProfile returns cols followed by the profile columns, in a new slice.
func withProfile(cols ...string) []string {
	return append(cols, ProfileColumns...)
}

// The headers of the three reports, in order, as docs/reports.md gives
// them with their meanings.
var (
	UsageColumns = withProfile("Name", "Email", "External Id", "Course", "Course ID", "Course Slug", "University",
		"Enrollment Time", "Class Start Time", "Last Course Activity Time", "Overall Progress",
		"Estimated Learning Hours", "Completed", "Removed From Program", "Program Slug", "Program Name",
		"Enrollment Source", "Completion Time", "Course Grades", "Contract")
	MemberColumns = withProfile("Name", "Email", "External Id", "Program Name", "Program Slug",
		"# Enrolled Courses", "# Completed Courses", "Member State", "Join Date", "Invitation Date",
		"Last Activity Time", "Contract(s)")
	SpecializationColumns = withProfile("Name", "Email", "External Id", "Specialization", "Specialization Slug",
		"University", "Enrollment Time", "Last Specialization Activity Time", "Completed", "Removed From Program",
		"Program Slug", "Program Name", "Enrollment Source", "Specialization Completion Time", "Contract")
)

// GradebookColumns are the gradebook export's: the learner, the course,
// and where they stand in it.
var GradebookColumns = []string{"Name", "Email", "External Id", "Course", "Course ID", "Overall Progress",
	"Course Grades", "Completed", "Completion Time"}
