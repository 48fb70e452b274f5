package messaging

import bo "github.com/learnops/backoffice/shared/backoffice"

// Preset names a ready-made message: an audience (a status of the members
// view) with a default subject, content and button the admin may edit.
type Preset string

// The presets of the guide's message library.
const (
	PresetRemindToJoin      Preset = "remind_to_join"
	PresetRemindToEnroll    Preset = "remind_to_enroll"
	PresetEncourageEnrolled Preset = "encourage_enrolled"
	PresetReengageInactive  Preset = "reengage_inactive"
	PresetCongratulate      Preset = "congratulate_high_performers"
)

// PresetInfo is a preset as admins see it: what it is for, who it goes to
// and its default text.
type PresetInfo struct {
	Name    Preset `json:"name"`
	Purpose string `json:"purpose"`
	// Audience describes Status in words.
	Audience     string          `json:"audience"`
	Status       bo.MemberStatus `json:"status"`
	Subject      string          `json:"subject"`
	Content      string          `json:"content"`
	CallToAction CallToAction    `json:"callToAction"`
}

// Presets lists the presets, in the guide's order.
var Presets = []PresetInfo{
	{
		Name: PresetRemindToJoin, Purpose: "Remind learners to join the program",
		Audience: "Invited learners who have not joined", Status: bo.MemberInvitedNever,
		Subject: "Your invitation to {{programName}} is waiting",
		Content: "Hi {{learnerName}},\n\n{{orgName}} invited you to {{programName}}, a learning program chosen for you. " +
			"Spots are limited and go first come, first served, so claim yours today: joining takes a minute, " +
			"and you don't need to decide which course to take first.\n\nSee you there!",
		CallToAction: CallToAction{Label: "Join the program", URL: PlaceholderProgramURL},
	},
	{
		Name: PresetRemindToEnroll, Purpose: "Remind learners to enroll in a course",
		Audience: "Members with no current enrollment", Status: bo.MemberNoEnrollments,
		Subject: "Pick your first course in {{programName}}",
		Content: "Hi {{learnerName}},\n\nYou joined {{programName}}, but you have not enrolled in a course yet. " +
			"Browse the catalogue {{orgName}} put together for you and enroll in the course that fits your goals: " +
			"the first step is the biggest one.",
		CallToAction: CallToAction{Label: "Browse the courses", URL: PlaceholderProgramURL},
	},
	{
		Name: PresetEncourageEnrolled, Purpose: "Encourage enrolled learners",
		Audience: "Enrolled learners with no completion yet", Status: bo.MemberNoCompletions,
		Subject: "Keep going in {{programName}}",
		Content: "Hi {{learnerName}},\n\nYou are on your way in {{programName}}. Set aside a little time each week " +
			"and you will finish your first course before you know it. Deadlines are flexible: if you fall behind, " +
			"reset them and carry on.",
		CallToAction: CallToAction{Label: "Continue learning", URL: PlaceholderProgramURL},
	},
	{
		Name: PresetReengageInactive, Purpose: "Re-engage inactive learners",
		Audience: "Enrolled learners inactive for the past 30 days", Status: bo.MemberInactive30,
		Subject: "We miss you in {{programName}}",
		Content: "Hi {{learnerName}},\n\nIt has been a while since you last learned in {{programName}}. " +
			"Your progress is saved, and picking up where you left off takes only a few minutes. Why not start today?",
		CallToAction: CallToAction{Label: "Pick up where you left off", URL: PlaceholderProgramURL},
	},
	{
		Name: PresetCongratulate, Purpose: "Congratulate high performers",
		Audience: "Learners with a completion in the last 30 days", Status: bo.MemberCompleted30,
		Subject: "Congratulations on your progress in {{programName}}!",
		Content: "Hi {{learnerName}},\n\nCongratulations on completing a course in {{programName}}! " +
			"Everyone at {{orgName}} is proud of what you achieved. Keep the momentum going: your next course is waiting for you.",
		CallToAction: CallToAction{Label: "Find your next course", URL: PlaceholderProgramURL},
	},
}

// presetNamed returns the preset called name.
func presetNamed(name Preset) (PresetInfo, bool) {
	for _, p := range Presets {
		if p.Name == name {
			return p, true
		}
	}
	return PresetInfo{}, false
}
