package httpapi

// Route is one route of the HTTP API: the method and path template as API
// Gateway writes them in a route key, the function that serves it, and whether
// the caller must present a JWT.
type Route struct {
	Method   string
	Path     string
	Function string
	Public   bool
}

// Key returns the API Gateway route key, "METHOD /path/{param}".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Function names: one folder under functions/ each.
const (
	FunctionAdmin       = "admin"
	FunctionInvitations = "invitations"
	FunctionJoin        = "join"
	FunctionWhitelist   = "whitelist"
	FunctionEnrollment  = "enrollment"
	FunctionMembers     = "members"
	// FunctionReminders serves the automated messages routes and sends the
	// Saturday reminders on its schedule (wire.Triggers).
	FunctionReminders = "reminders"
	FunctionMessaging = "messaging"
	// FunctionReports also builds reports from its queue and runs the
	// weekly schedules daily.
	FunctionReports = "reports"
)

// Functions that no route serves: triggered by S3, SQS or schedules.
const (
	FunctionInvitationImport = "invitation-import"
	FunctionMailer           = "mailer"
	FunctionActivity         = "activity"
	FunctionWorker           = "worker"
	// FunctionFeedback consumes SES's bounce and complaint notifications.
	FunctionFeedback = "feedback"
)

const (
	orgPath        = "/v1/orgs/{orgId}"
	programPath    = orgPath + "/programs/{programId}"
	collectionPath = programPath + "/collections/{collectionId}"
	messagePath    = orgPath + "/messages/{messageId}"
)

// Routes is the catalogue of every route the API serves. The CDK app declares
// exactly these, the local gateway serves exactly these, and the OpenAPI
// document describes exactly these (a test holds the three together).
var Routes = []Route{
	{Method: "GET", Path: "/v1/health", Function: FunctionAdmin, Public: true},

	{Method: "POST", Path: "/v1/orgs", Function: FunctionAdmin},
	{Method: "GET", Path: orgPath, Function: FunctionAdmin},
	{Method: "PATCH", Path: orgPath, Function: FunctionAdmin},
	{Method: "POST", Path: orgPath + "/logo-uploads", Function: FunctionAdmin},
	// The org's logo, which its emails load: no sign-in, a redirect to a
	// short-lived link to the image (404 for no logo or no org alike).
	{Method: "GET", Path: orgPath + "/logo", Function: FunctionAdmin, Public: true},
	{Method: "POST", Path: programPath + "/banner-uploads", Function: FunctionAdmin},

	{Method: "GET", Path: orgPath + "/admins", Function: FunctionAdmin},
	{Method: "POST", Path: orgPath + "/admins", Function: FunctionAdmin},
	{Method: "PATCH", Path: orgPath + "/admins/{email}", Function: FunctionAdmin},
	{Method: "DELETE", Path: orgPath + "/admins/{email}", Function: FunctionAdmin},

	// The audit log: read only (JSON or ?format=csv); records expire by TTL.
	{Method: "GET", Path: orgPath + "/audit", Function: FunctionAdmin},

	{Method: "GET", Path: orgPath + "/contracts", Function: FunctionAdmin},
	{Method: "POST", Path: orgPath + "/contracts", Function: FunctionAdmin},
	{Method: "GET", Path: orgPath + "/contracts/{contractId}", Function: FunctionAdmin},
	{Method: "PATCH", Path: orgPath + "/contracts/{contractId}", Function: FunctionAdmin},
	{Method: "POST", Path: orgPath + "/contracts/{contractId}/renewal", Function: FunctionAdmin},

	{Method: "GET", Path: orgPath + "/programs", Function: FunctionAdmin},
	{Method: "POST", Path: orgPath + "/programs", Function: FunctionAdmin},
	{Method: "GET", Path: programPath, Function: FunctionAdmin},
	{Method: "PATCH", Path: programPath, Function: FunctionAdmin},
	{Method: "DELETE", Path: programPath, Function: FunctionAdmin},

	{Method: "GET", Path: programPath + "/collections", Function: FunctionAdmin},
	{Method: "POST", Path: programPath + "/collections", Function: FunctionAdmin},
	{Method: "PATCH", Path: collectionPath, Function: FunctionAdmin},
	{Method: "DELETE", Path: collectionPath, Function: FunctionAdmin},
	{Method: "POST", Path: collectionPath + "/items", Function: FunctionAdmin},
	{Method: "DELETE", Path: collectionPath + "/items/{itemId}", Function: FunctionAdmin},
	{Method: "POST", Path: collectionPath + "/items/{itemId}/move", Function: FunctionAdmin},
	{Method: "POST", Path: collectionPath + "/items/{itemId}/copy", Function: FunctionAdmin},

	{Method: "GET", Path: programPath + "/invitations", Function: FunctionInvitations},
	{Method: "POST", Path: programPath + "/invitations", Function: FunctionInvitations},
	{Method: "DELETE", Path: programPath + "/invitations/{email}", Function: FunctionInvitations},
	{Method: "POST", Path: programPath + "/invitations/{email}/resend", Function: FunctionInvitations},
	{Method: "POST", Path: programPath + "/invitation-removals", Function: FunctionInvitations},
	{Method: "GET", Path: programPath + "/invitation-imports/template", Function: FunctionInvitations},
	{Method: "POST", Path: programPath + "/invitation-imports", Function: FunctionInvitations},
	{Method: "GET", Path: programPath + "/invitation-imports/{importId}", Function: FunctionInvitations},

	{Method: "POST", Path: "/v1/invitations/{token}/accept", Function: FunctionJoin},
	{Method: "GET", Path: "/v1/programs/{slug}", Function: FunctionJoin},
	{Method: "POST", Path: "/v1/programs/{slug}/join", Function: FunctionJoin},

	{Method: "GET", Path: programPath + "/members", Function: FunctionMembers},
	{Method: "POST", Path: programPath + "/members/{email}/removal", Function: FunctionMembers},
	{Method: "POST", Path: programPath + "/member-removals", Function: FunctionMembers},
	{Method: "POST", Path: programPath + "/member-exports", Function: FunctionMembers},
	{Method: "GET", Path: programPath + "/member-exports/{exportId}", Function: FunctionMembers},
	{Method: "POST", Path: programPath + "/invitation-resends", Function: FunctionMembers},
	{Method: "GET", Path: programPath + "/invitation-resends/{resendId}", Function: FunctionMembers},
	{Method: "GET", Path: programPath + "/member-count", Function: FunctionMembers},
	{Method: "GET", Path: programPath + "/members/{email}", Function: FunctionMembers},
	{Method: "POST", Path: programPath + "/member-csv", Function: FunctionMembers},
	{Method: "GET", Path: orgPath + "/users", Function: FunctionMembers},
	// Personal-data requests about one person of the org.
	{Method: "POST", Path: orgPath + "/people/{email}/data-export", Function: FunctionMembers},
	{Method: "GET", Path: orgPath + "/data-exports/{exportId}", Function: FunctionMembers},
	{Method: "POST", Path: orgPath + "/people/{email}/erasure", Function: FunctionMembers},
	{Method: "GET", Path: orgPath + "/erasures/{erasureId}", Function: FunctionMembers},

	{Method: "GET", Path: "/v1/programs/{slug}/enrollments", Function: FunctionEnrollment},
	{Method: "POST", Path: "/v1/programs/{slug}/enrollments", Function: FunctionEnrollment},
	{Method: "DELETE", Path: "/v1/programs/{slug}/enrollments/{courseId}", Function: FunctionEnrollment},

	{Method: "GET", Path: orgPath + "/automated-messages", Function: FunctionReminders},
	{Method: "PUT", Path: orgPath + "/automated-messages/invitation-reminder/programs/{programId}", Function: FunctionReminders},

	{Method: "GET", Path: programPath + "/domains", Function: FunctionWhitelist},
	{Method: "POST", Path: programPath + "/domains", Function: FunctionWhitelist},
	{Method: "DELETE", Path: programPath + "/domains/{domain}", Function: FunctionWhitelist},
	{Method: "GET", Path: programPath + "/domain-imports/template", Function: FunctionWhitelist},
	{Method: "POST", Path: programPath + "/domain-imports", Function: FunctionWhitelist},

	{Method: "GET", Path: orgPath + "/message-presets", Function: FunctionMessaging},
	{Method: "POST", Path: orgPath + "/messages", Function: FunctionMessaging},
	{Method: "GET", Path: messagePath, Function: FunctionMessaging},
	{Method: "PATCH", Path: messagePath, Function: FunctionMessaging},
	{Method: "POST", Path: messagePath + "/preview", Function: FunctionMessaging},
	{Method: "POST", Path: messagePath + "/send", Function: FunctionMessaging},
	{Method: "GET", Path: orgPath + "/messages", Function: FunctionMessaging},
	{Method: "GET", Path: programPath + "/messages", Function: FunctionMessaging},
	{Method: "DELETE", Path: messagePath, Function: FunctionMessaging},
	{Method: "GET", Path: orgPath + "/messaging-settings", Function: FunctionMessaging},
	{Method: "PUT", Path: orgPath + "/messaging-settings", Function: FunctionMessaging},
	// The unsubscribe links of emails: no sign-in, the signed token is
	// the proof (RFC 8058 one-click for the POST).
	{Method: "GET", Path: "/v1/unsubscribe/{token}", Function: FunctionMessaging, Public: true},
	{Method: "POST", Path: "/v1/unsubscribe/{token}", Function: FunctionMessaging, Public: true},
	{Method: "POST", Path: orgPath + "/reports", Function: FunctionReports},

	// The course library: operators load it, admins of an org search it.
	{Method: "POST", Path: "/v1/library/items", Function: FunctionAdmin},
	{Method: "GET", Path: orgPath + "/library", Function: FunctionAdmin},
	// The learner's side: a member's program page, an invitation before
	// it is accepted.
	{Method: "GET", Path: "/v1/programs/{slug}/catalog", Function: FunctionEnrollment},
	{Method: "GET", Path: "/v1/invitations/{token}", Function: FunctionJoin},
	{Method: "GET", Path: orgPath + "/reports/{reportId}", Function: FunctionReports},
	{Method: "GET", Path: orgPath + "/reports", Function: FunctionReports},
	{Method: "GET", Path: orgPath + "/report-schedule", Function: FunctionReports},
	{Method: "PUT", Path: orgPath + "/report-schedule", Function: FunctionReports},
	{Method: "GET", Path: orgPath + "/trends", Function: FunctionReports},

	{Method: "GET", Path: orgPath + "/profile-claims", Function: FunctionAdmin},
	{Method: "PUT", Path: orgPath + "/profile-claims", Function: FunctionAdmin},
}

// Functions returns the names of the functions that serve routes, each once,
// in the order they first appear in Routes.
func Functions() []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range Routes {
		if !seen[r.Function] {
			seen[r.Function] = true
			names = append(names, r.Function)
		}
	}
	return names
}
