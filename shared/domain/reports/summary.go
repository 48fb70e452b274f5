package reports

import (
	"math"
	"strconv"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Summary is the summary of the guide's report email, counted over the
// report's course enrollments while its member file is written. A person
// in two programs of the report is a learner of each.
type Summary struct {
	// TotalEnrollments counts the course enrollments (the usage file's rows).
	TotalEnrollments int `json:"totalEnrollments" dynamodbav:"totalEnrollments"`
	// UniqueLearners counts the learners with at least one.
	UniqueLearners int `json:"uniqueLearners" dynamodbav:"uniqueLearners"`
	// CurrentMembers and RemovedMembers count the learners in state MEMBER
	// and DELETED_MEMBER.
	CurrentMembers int `json:"currentMembers" dynamodbav:"currentMembers"`
	RemovedMembers int `json:"removedMembers" dynamodbav:"removedMembers"`
	// UniqueCourses counts the different courses enrolled in.
	UniqueCourses int `json:"uniqueCourses" dynamodbav:"uniqueCourses"`
	// CourseCompletions counts the completed course enrollments, and
	// UniqueCompleters the learners with at least one.
	CourseCompletions int `json:"courseCompletions" dynamodbav:"courseCompletions"`
	UniqueCompleters  int `json:"uniqueCompleters" dynamodbav:"uniqueCompleters"`
	// VerifiedCompletions counts the completed course enrollments whose
	// completion the platform reported verified.
	VerifiedCompletions int `json:"verifiedCourseCompletions" dynamodbav:"verifiedCompletions"`
	// EstimatedHours is the course enrollments' learning minutes in hours,
	// to two decimals.
	EstimatedHours float64 `json:"estimatedHours" dynamodbav:"estimatedHours"`
	// HalfwayLearners counts the learners with progress of 50% or more in
	// at least one course.
	HalfwayLearners int `json:"learnersPast50Percent" dynamodbav:"halfwayLearners"`
	// JoinedNotEnrolled counts the members with no course enrollment.
	JoinedNotEnrolled int `json:"joinedNotEnrolled" dynamodbav:"joinedNotEnrolled"`
	// EnrolledNotCompleted counts the learners enrolled in a course who have
	// completed none.
	EnrolledNotCompleted int `json:"enrolledNotCompleted" dynamodbav:"enrolledNotCompleted"`
	// EnrolledOneCourse and CompletedOneCourse count the learners enrolled
	// in exactly one course and having completed exactly one.
	EnrolledOneCourse  int `json:"enrolledOneCourse" dynamodbav:"enrolledOneCourse"`
	CompletedOneCourse int `json:"completedOneCourse" dynamodbav:"completedOneCourse"`
	// Rows counts the rows of every file of the report.
	Rows int `json:"rows" dynamodbav:"rows"`
}

// tally counts a summary learner by learner.
type tally struct {
	s       Summary
	minutes int
	courses map[string]struct{}
}

// add counts one learner in scope with their course enrollments and
// returns how many courses they enrolled in and completed.
func (t *tally) add(l bo.Learner, es []bo.Enrollment) (enrolled, completed int) {
	if t.courses == nil {
		t.courses = map[string]struct{}{}
	}
	halfway := false
	for _, e := range es {
		if e.ItemType != bo.ItemCourse {
			continue
		}
		enrolled++
		if e.CompletedAt != nil {
			completed++
			if e.Verified {
				t.s.VerifiedCompletions++
			}
		}
		halfway = halfway || overallProgress(e) >= 50
		t.minutes += e.LearningMinutes
		t.courses[e.ItemID] = struct{}{}
	}
	s := &t.s
	switch l.State {
	case bo.StateMember:
		s.CurrentMembers++
		if enrolled == 0 {
			s.JoinedNotEnrolled++
		}
	case bo.StateDeletedMember:
		s.RemovedMembers++
	}
	s.TotalEnrollments += enrolled
	s.CourseCompletions += completed
	if enrolled > 0 {
		s.UniqueLearners++
		if completed == 0 {
			s.EnrolledNotCompleted++
		}
	}
	if completed > 0 {
		s.UniqueCompleters++
	}
	if halfway {
		s.HalfwayLearners++
	}
	if enrolled == 1 {
		s.EnrolledOneCourse++
	}
	if completed == 1 {
		s.CompletedOneCourse++
	}
	return enrolled, completed
}

// summary returns the counts so far.
func (t *tally) summary() Summary {
	s := t.s
	s.UniqueCourses = len(t.courses)
	s.EstimatedHours = math.Round(float64(t.minutes)/60*100) / 100
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
