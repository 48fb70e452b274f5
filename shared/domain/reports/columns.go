package reports

// The files of a report's zip, in the order they are written.
const (
	MemberFile         = "member-report.csv"
	UsageFile          = "usage-report.csv"
	SpecializationFile = "specialization-report.csv"
	// GradebookFile is the one file of a gradebook export.
	GradebookFile = "gradebook.csv"
)

// ProfileColumns are the optional profile columns that end every report.
// The back office keeps no such profile fields yet, so they are present and
// empty, as the guide's data dictionary shows them for learners without a
// profile.
var ProfileColumns = []string{"Manager Name", "Manager Email", "Job Title", "Job Type", "Business Unit",
	"Business Unit 2", "Location City", "Location Country", "Location Region"}

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
