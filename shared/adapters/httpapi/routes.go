package httpapi

import "github.com/learnops/backoffice/shared/domain/reminders"

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

// The routes of the API, each named once: the catalogue Routes lists them
// and each function's handler table is keyed by them, so a route's method
// and path are written here and nowhere else. The public ones are exported,
// for the CDK app to give each its reason for needing no sign-in.
var (
	// RouteHealth is the health check, which needs no sign-in.
	RouteHealth = Route{Method: "GET", Path: "/v1/health", Function: FunctionAdmin, Public: true}

	routeCreateOrg  = Route{Method: "POST", Path: "/v1/orgs", Function: FunctionAdmin}
	routeGetOrg     = Route{Method: "GET", Path: orgPath, Function: FunctionAdmin}
	routeUpdateOrg  = Route{Method: "PATCH", Path: orgPath, Function: FunctionAdmin}
	routeUploadLogo = Route{Method: "POST", Path: orgPath + "/logo-uploads", Function: FunctionAdmin}
	// RouteGetLogo is the org's logo, which its emails load: no sign-in, a
	// redirect to a short-lived link to the image (404 for no logo or no
	// org alike).
	RouteGetLogo      = Route{Method: "GET", Path: orgPath + "/logo", Function: FunctionAdmin, Public: true}
	routeUploadBanner = Route{Method: "POST", Path: programPath + "/banner-uploads", Function: FunctionAdmin}

	routeListAdmins  = Route{Method: "GET", Path: orgPath + "/admins", Function: FunctionAdmin}
	routeAddAdmins   = Route{Method: "POST", Path: orgPath + "/admins", Function: FunctionAdmin}
	routeUpdateAdmin = Route{Method: "PATCH", Path: orgPath + "/admins/{email}", Function: FunctionAdmin}
	routeRemoveAdmin = Route{Method: "DELETE", Path: orgPath + "/admins/{email}", Function: FunctionAdmin}

	// The audit log: read only (JSON or ?format=csv); records expire by TTL.
	routeAuditLog = Route{Method: "GET", Path: orgPath + "/audit", Function: FunctionAdmin}

	routeListContracts  = Route{Method: "GET", Path: orgPath + "/contracts", Function: FunctionAdmin}
	routeCreateContract = Route{Method: "POST", Path: orgPath + "/contracts", Function: FunctionAdmin}
	routeGetContract    = Route{Method: "GET", Path: orgPath + "/contracts/{contractId}", Function: FunctionAdmin}
	routeUpdateContract = Route{Method: "PATCH", Path: orgPath + "/contracts/{contractId}", Function: FunctionAdmin}
	routeRenewContract  = Route{Method: "POST", Path: orgPath + "/contracts/{contractId}/renewal", Function: FunctionAdmin}

	routeListPrograms  = Route{Method: "GET", Path: orgPath + "/programs", Function: FunctionAdmin}
	routeCreateProgram = Route{Method: "POST", Path: orgPath + "/programs", Function: FunctionAdmin}
	routeGetProgram    = Route{Method: "GET", Path: programPath, Function: FunctionAdmin}
	routeUpdateProgram = Route{Method: "PATCH", Path: programPath, Function: FunctionAdmin}
	routeDeleteProgram = Route{Method: "DELETE", Path: programPath, Function: FunctionAdmin}

	routeListCollections  = Route{Method: "GET", Path: programPath + "/collections", Function: FunctionAdmin}
	routeCreateCollection = Route{Method: "POST", Path: programPath + "/collections", Function: FunctionAdmin}
	routeUpdateCollection = Route{Method: "PATCH", Path: collectionPath, Function: FunctionAdmin}
	routeDeleteCollection = Route{Method: "DELETE", Path: collectionPath, Function: FunctionAdmin}
	routeAddItem          = Route{Method: "POST", Path: collectionPath + "/items", Function: FunctionAdmin}
	routeRemoveItem       = Route{Method: "DELETE", Path: collectionPath + "/items/{itemId}", Function: FunctionAdmin}
	routeMoveItem         = Route{Method: "POST", Path: collectionPath + "/items/{itemId}/move", Function: FunctionAdmin}
	routeCopyItem         = Route{Method: "POST", Path: collectionPath + "/items/{itemId}/copy", Function: FunctionAdmin}

	routeListInvitations     = Route{Method: "GET", Path: programPath + "/invitations", Function: FunctionInvitations}
	routeInvite              = Route{Method: "POST", Path: programPath + "/invitations", Function: FunctionInvitations}
	routeRevokeInvitation    = Route{Method: "DELETE", Path: programPath + "/invitations/{email}", Function: FunctionInvitations}
	routeResendInvitation    = Route{Method: "POST", Path: programPath + "/invitations/{email}/resend", Function: FunctionInvitations}
	routeRemoveInvitations   = Route{Method: "POST", Path: programPath + "/invitation-removals", Function: FunctionInvitations}
	routeInvitationTemplate  = Route{Method: "GET", Path: programPath + "/invitation-imports/template", Function: FunctionInvitations}
	routeImportInvitations   = Route{Method: "POST", Path: programPath + "/invitation-imports", Function: FunctionInvitations}
	routeGetInvitationImport = Route{Method: "GET", Path: programPath + "/invitation-imports/{importId}", Function: FunctionInvitations}

	routeAcceptInvitation = Route{Method: "POST", Path: "/v1/invitations/{token}/accept", Function: FunctionJoin}
	routeGetJoinProgram   = Route{Method: "GET", Path: "/v1/programs/{slug}", Function: FunctionJoin}
	routeJoinProgram      = Route{Method: "POST", Path: "/v1/programs/{slug}/join", Function: FunctionJoin}

	routeListMembers         = Route{Method: "GET", Path: programPath + "/members", Function: FunctionMembers}
	routeRemoveMember        = Route{Method: "POST", Path: programPath + "/members/{email}/removal", Function: FunctionMembers}
	routeRemoveMembers       = Route{Method: "POST", Path: programPath + "/member-removals", Function: FunctionMembers}
	routeExportMembers       = Route{Method: "POST", Path: programPath + "/member-exports", Function: FunctionMembers}
	routeGetMemberExport     = Route{Method: "GET", Path: programPath + "/member-exports/{exportId}", Function: FunctionMembers}
	routeResendInvitations   = Route{Method: "POST", Path: programPath + "/invitation-resends", Function: FunctionMembers}
	routeGetInvitationResend = Route{Method: "GET", Path: programPath + "/invitation-resends/{resendId}", Function: FunctionMembers}
	routeMemberCount         = Route{Method: "GET", Path: programPath + "/member-count", Function: FunctionMembers}
	routeGetMember           = Route{Method: "GET", Path: programPath + "/members/{email}", Function: FunctionMembers}
	routeMemberCSV           = Route{Method: "POST", Path: programPath + "/member-csv", Function: FunctionMembers}
	routeListUsers           = Route{Method: "GET", Path: orgPath + "/users", Function: FunctionMembers}
	// Personal-data requests about one person of the org.
	routeRequestDataExport = Route{Method: "POST", Path: orgPath + "/people/{email}/data-export", Function: FunctionMembers}
	routeGetDataExport     = Route{Method: "GET", Path: orgPath + "/data-exports/{exportId}", Function: FunctionMembers}
	routeRequestErasure    = Route{Method: "POST", Path: orgPath + "/people/{email}/erasure", Function: FunctionMembers}
	routeGetErasure        = Route{Method: "GET", Path: orgPath + "/erasures/{erasureId}", Function: FunctionMembers}

	routeListEnrollments = Route{Method: "GET", Path: "/v1/programs/{slug}/enrollments", Function: FunctionEnrollment}
	routeEnroll          = Route{Method: "POST", Path: "/v1/programs/{slug}/enrollments", Function: FunctionEnrollment}
	routeUnenroll        = Route{Method: "DELETE", Path: "/v1/programs/{slug}/enrollments/{courseId}", Function: FunctionEnrollment}

	routeListAutomatedMessages = Route{Method: "GET", Path: orgPath + "/automated-messages", Function: FunctionReminders}
	routeSetInvitationReminder = Route{Method: "PUT", Path: orgPath + "/automated-messages/" + reminders.InvitationReminderID + "/programs/{programId}", Function: FunctionReminders}

	routeListDomains    = Route{Method: "GET", Path: programPath + "/domains", Function: FunctionWhitelist}
	routeAddDomains     = Route{Method: "POST", Path: programPath + "/domains", Function: FunctionWhitelist}
	routeRemoveDomain   = Route{Method: "DELETE", Path: programPath + "/domains/{domain}", Function: FunctionWhitelist}
	routeDomainTemplate = Route{Method: "GET", Path: programPath + "/domain-imports/template", Function: FunctionWhitelist}
	routeImportDomains  = Route{Method: "POST", Path: programPath + "/domain-imports", Function: FunctionWhitelist}

	routeMessagePresets       = Route{Method: "GET", Path: orgPath + "/message-presets", Function: FunctionMessaging}
	routeCreateMessage        = Route{Method: "POST", Path: orgPath + "/messages", Function: FunctionMessaging}
	routeGetMessage           = Route{Method: "GET", Path: messagePath, Function: FunctionMessaging}
	routeUpdateMessage        = Route{Method: "PATCH", Path: messagePath, Function: FunctionMessaging}
	routePreviewMessage       = Route{Method: "POST", Path: messagePath + "/preview", Function: FunctionMessaging}
	routeSendMessage          = Route{Method: "POST", Path: messagePath + "/send", Function: FunctionMessaging}
	routeListOrgMessages      = Route{Method: "GET", Path: orgPath + "/messages", Function: FunctionMessaging}
	routeListProgramMessages  = Route{Method: "GET", Path: programPath + "/messages", Function: FunctionMessaging}
	routeDiscardMessage       = Route{Method: "DELETE", Path: messagePath, Function: FunctionMessaging}
	routeGetMessagingSettings = Route{Method: "GET", Path: orgPath + "/messaging-settings", Function: FunctionMessaging}
	routeSetMessagingSettings = Route{Method: "PUT", Path: orgPath + "/messaging-settings", Function: FunctionMessaging}
	// RouteUnsubscribePage and RouteUnsubscribe are the unsubscribe links
	// of emails: no sign-in, the signed token is the proof (RFC 8058
	// one-click for the POST).
	RouteUnsubscribePage = Route{Method: "GET", Path: "/v1/unsubscribe/{token}", Function: FunctionMessaging, Public: true}
	RouteUnsubscribe     = Route{Method: "POST", Path: "/v1/unsubscribe/{token}", Function: FunctionMessaging, Public: true}
	routeRequestReport   = Route{Method: "POST", Path: orgPath + "/reports", Function: FunctionReports}

	// The course library: operators load it, admins of an org search it.
	routeLoadLibrary   = Route{Method: "POST", Path: "/v1/library/items", Function: FunctionAdmin}
	routeSearchLibrary = Route{Method: "GET", Path: orgPath + "/library", Function: FunctionAdmin}
	// The learner's side: a member's program page, an invitation before
	// it is accepted.
	routeProgramCatalog    = Route{Method: "GET", Path: "/v1/programs/{slug}/catalog", Function: FunctionEnrollment}
	routeGetInvitation     = Route{Method: "GET", Path: "/v1/invitations/{token}", Function: FunctionJoin}
	routeGetReport         = Route{Method: "GET", Path: orgPath + "/reports/{reportId}", Function: FunctionReports}
	routeListReports       = Route{Method: "GET", Path: orgPath + "/reports", Function: FunctionReports}
	routeGetReportSchedule = Route{Method: "GET", Path: orgPath + "/report-schedule", Function: FunctionReports}
	routeSetReportSchedule = Route{Method: "PUT", Path: orgPath + "/report-schedule", Function: FunctionReports}
	routeTrends            = Route{Method: "GET", Path: orgPath + "/trends", Function: FunctionReports}

	routeGetProfileClaims = Route{Method: "GET", Path: orgPath + "/profile-claims", Function: FunctionAdmin}
	routeSetProfileClaims = Route{Method: "PUT", Path: orgPath + "/profile-claims", Function: FunctionAdmin}
)

// Routes is the catalogue of every route the API serves, in the order of the
// route values above. The CDK app declares exactly these, the local gateway
// serves exactly these, and the OpenAPI document describes exactly these (a
// test holds the three together); each function's handler table is keyed by
// these values and holds exactly its own (newHandler).
var Routes = []Route{
	RouteHealth,
	routeCreateOrg,
	routeGetOrg,
	routeUpdateOrg,
	routeUploadLogo,
	RouteGetLogo,
	routeUploadBanner,
	routeListAdmins,
	routeAddAdmins,
	routeUpdateAdmin,
	routeRemoveAdmin,
	routeAuditLog,
	routeListContracts,
	routeCreateContract,
	routeGetContract,
	routeUpdateContract,
	routeRenewContract,
	routeListPrograms,
	routeCreateProgram,
	routeGetProgram,
	routeUpdateProgram,
	routeDeleteProgram,
	routeListCollections,
	routeCreateCollection,
	routeUpdateCollection,
	routeDeleteCollection,
	routeAddItem,
	routeRemoveItem,
	routeMoveItem,
	routeCopyItem,
	routeListInvitations,
	routeInvite,
	routeRevokeInvitation,
	routeResendInvitation,
	routeRemoveInvitations,
	routeInvitationTemplate,
	routeImportInvitations,
	routeGetInvitationImport,
	routeAcceptInvitation,
	routeGetJoinProgram,
	routeJoinProgram,
	routeListMembers,
	routeRemoveMember,
	routeRemoveMembers,
	routeExportMembers,
	routeGetMemberExport,
	routeResendInvitations,
	routeGetInvitationResend,
	routeMemberCount,
	routeGetMember,
	routeMemberCSV,
	routeListUsers,
	routeRequestDataExport,
	routeGetDataExport,
	routeRequestErasure,
	routeGetErasure,
	routeListEnrollments,
	routeEnroll,
	routeUnenroll,
	routeListAutomatedMessages,
	routeSetInvitationReminder,
	routeListDomains,
	routeAddDomains,
	routeRemoveDomain,
	routeDomainTemplate,
	routeImportDomains,
	routeMessagePresets,
	routeCreateMessage,
	routeGetMessage,
	routeUpdateMessage,
	routePreviewMessage,
	routeSendMessage,
	routeListOrgMessages,
	routeListProgramMessages,
	routeDiscardMessage,
	routeGetMessagingSettings,
	routeSetMessagingSettings,
	RouteUnsubscribePage,
	RouteUnsubscribe,
	routeRequestReport,
	routeLoadLibrary,
	routeSearchLibrary,
	routeProgramCatalog,
	routeGetInvitation,
	routeGetReport,
	routeListReports,
	routeGetReportSchedule,
	routeSetReportSchedule,
	routeTrends,
	routeGetProfileClaims,
	routeSetProfileClaims,
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
