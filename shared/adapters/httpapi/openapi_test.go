package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"gopkg.in/yaml.v3"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/library"
	"github.com/learnops/backoffice/shared/domain/members"
	"github.com/learnops/backoffice/shared/domain/messaging"
	"github.com/learnops/backoffice/shared/domain/privacy"
	"github.com/learnops/backoffice/shared/domain/profile"
	"github.com/learnops/backoffice/shared/domain/reminders"
	"github.com/learnops/backoffice/shared/domain/reports"
	"github.com/learnops/backoffice/shared/domain/trends"
	"github.com/learnops/backoffice/shared/domain/whitelist"
)

// The checks below return problems rather than failing the test, so that the
// drift test can run them on broken copies of the document and see each one
// caught.

// parseOpenAPI returns the root mapping of the document.
func parseOpenAPI(t testing.TB, doc []byte) *yaml.Node {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		t.Fatalf("parse the OpenAPI document: %v", err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		t.Fatal("the OpenAPI document is not one YAML mapping")
	}
	return root.Content[0]
}

func marshalOpenAPI(t testing.TB, root *yaml.Node) []byte {
	t.Helper()
	b, err := yaml.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// child returns the value of key in a mapping node, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// deleteKey removes key from a mapping node and reports whether it was there.
func deleteKey(n *yaml.Node, key string) bool {
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = slices.Delete(n.Content, i, i+2)
			return true
		}
	}
	return false
}

// pairs calls fn for each key and value of a mapping node, in document order.
func pairs(n *yaml.Node, fn func(key string, value *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i].Value, n.Content[i+1])
	}
}

// resolveRef returns the node a local reference ("#/components/schemas/X")
// points at, or nil.
func resolveRef(root *yaml.Node, ref string) *yaml.Node {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	n := root
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if n = child(n, tok); n == nil {
			return nil
		}
	}
	return n
}

// deref follows a $ref, if the node is one.
func deref(root, n *yaml.Node) *yaml.Node {
	if ref := child(n, "$ref"); ref != nil {
		return resolveRef(root, ref.Value)
	}
	return n
}

// operations calls fn for every operation of the document.
func operations(root *yaml.Node, fn func(path, method string, pathItem, op *yaml.Node)) {
	pairs(child(root, "paths"), func(path string, item *yaml.Node) {
		pairs(item, func(key string, op *yaml.Node) {
			if openAPIMethods[key] {
				fn(path, strings.ToUpper(key), item, op)
			}
		})
	})
}

// routeProblems names every route of routes that the document lacks and
// every operation of the document that routes lack.
func routeProblems(doc []byte, routes []Route) []string {
	ops, err := openAPIPublic(doc)
	if err != nil {
		return []string{err.Error()}
	}
	want := map[string]bool{}
	var problems []string
	for _, r := range routes {
		if want[r.Key()] {
			problems = append(problems, "Routes declares "+r.Key()+" twice")
		}
		want[r.Key()] = true
		if _, ok := ops[r.Key()]; !ok {
			problems = append(problems, "missing from openapi.yaml: "+r.Key())
		}
	}
	for k := range ops {
		if !want[k] {
			problems = append(problems, "in openapi.yaml but not in Routes: "+k)
		}
	}
	sort.Strings(problems)
	return problems
}

// securityProblems names every route whose security in the document does
// not match Route.Public.
func securityProblems(doc []byte, routes []Route) []string {
	ops, err := openAPIPublic(doc)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, r := range routes {
		public, ok := ops[r.Key()]
		switch {
		case !ok:
		case r.Public && !public:
			problems = append(problems, r.Key()+" is public in Routes but needs a token in openapi.yaml (give it security: [])")
		case !r.Public && public:
			problems = append(problems, r.Key()+" needs a token in Routes but is public in openapi.yaml")
		}
	}
	return problems
}

// refProblems names every $ref that is not a local reference to a defined
// component, and every component that nothing references.
func refProblems(root *yaml.Node) []string {
	var problems []string
	used := map[string]bool{}
	var walk func(n *yaml.Node, at string)
	walk = func(n *yaml.Node, at string) {
		switch n.Kind {
		case yaml.MappingNode:
			pairs(n, func(key string, v *yaml.Node) {
				if key == "$ref" {
					switch {
					case v.Kind != yaml.ScalarNode:
						problems = append(problems, at+": $ref is not a string")
					case !strings.HasPrefix(v.Value, "#/components/"):
						problems = append(problems, fmt.Sprintf("%s: $ref %q is not a reference to a component of this document", at, v.Value))
					case resolveRef(root, v.Value) == nil:
						problems = append(problems, fmt.Sprintf("%s: $ref %q resolves to nothing", at, v.Value))
					default:
						used[v.Value] = true
					}
					return
				}
				walk(v, at+"/"+strings.ReplaceAll(key, "/", "~1"))
			})
		case yaml.SequenceNode:
			for i, v := range n.Content {
				walk(v, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(root, "#")
	pairs(child(root, "components"), func(kind string, defs *yaml.Node) {
		if kind == "securitySchemes" {
			return // used by name in security requirements, not by $ref
		}
		pairs(defs, func(name string, _ *yaml.Node) {
			if ref := "#/components/" + kind + "/" + name; !used[ref] {
				problems = append(problems, "component "+ref+" is never referenced")
			}
		})
	})
	return problems
}

var pathParamPattern = regexp.MustCompile(`\{([^{}]+)\}`)

// paramProblems names every path parameter of a path template that one of
// its operations does not declare (on the operation or on the path item),
// every declared path parameter that is not in the template, and every path
// parameter not marked required.
func paramProblems(root *yaml.Node) []string {
	var problems []string
	pathParams := func(at string, list *yaml.Node) map[string]bool {
		names := map[string]bool{}
		if list == nil {
			return names
		}
		for i, p := range list.Content {
			p = deref(root, p)
			if p == nil {
				problems = append(problems, fmt.Sprintf("%s: parameter %d does not resolve", at, i))
				continue
			}
			if in := child(p, "in"); in == nil || in.Value != "path" {
				continue
			}
			name := child(p, "name")
			if name == nil {
				problems = append(problems, fmt.Sprintf("%s: path parameter %d has no name", at, i))
				continue
			}
			if req := child(p, "required"); req == nil || req.Value != "true" {
				problems = append(problems, fmt.Sprintf("%s: path parameter %s is not required: true", at, name.Value))
			}
			names[name.Value] = true
		}
		return names
	}
	operations(root, func(path, method string, item, op *yaml.Node) {
		key := method + " " + path
		declared := pathParams(path, child(item, "parameters"))
		for name := range pathParams(key, child(op, "parameters")) {
			declared[name] = true
		}
		inTemplate := map[string]bool{}
		for _, m := range pathParamPattern.FindAllStringSubmatch(path, -1) {
			if inTemplate[m[1]] {
				problems = append(problems, fmt.Sprintf("%s: {%s} appears twice in the path", key, m[1]))
			}
			inTemplate[m[1]] = true
			if !declared[m[1]] {
				problems = append(problems, fmt.Sprintf("%s: path parameter {%s} is not declared", key, m[1]))
			}
		}
		for name := range declared {
			if !inTemplate[name] {
				problems = append(problems, fmt.Sprintf("%s: declares path parameter %s that is not in the path", key, name))
			}
		}
	})
	sort.Strings(problems)
	return problems
}

func reportProblems(t *testing.T, what string, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Errorf("%s: %s", what, p)
	}
}

func TestOpenAPIDescribesExactlyTheRoutes(t *testing.T) {
	reportProblems(t, "routes", routeProblems(OpenAPI, Routes))

	got, err := OpenAPIRoutes()
	if err != nil {
		t.Fatal(err)
	}
	if !sort.StringsAreSorted(got) {
		t.Errorf("OpenAPIRoutes() is not sorted: %q", got)
	}
	if len(got) != len(Routes) {
		t.Errorf("OpenAPIRoutes() has %d routes, Routes has %d", len(got), len(Routes))
	}
}

func TestOpenAPISecurityMatchesRoutes(t *testing.T) {
	reportProblems(t, "security", securityProblems(OpenAPI, Routes))

	public, err := OpenAPIPublicRoutes()
	if err != nil {
		t.Fatal(err)
	}
	if !public["GET /v1/health"] || public["POST /v1/orgs"] {
		t.Errorf("OpenAPIPublicRoutes() = %v: health must be public and POST /v1/orgs secured", public)
	}
	root := parseOpenAPI(t, OpenAPI)
	scheme := child(child(child(root, "components"), "securitySchemes"), "bearerAuth")
	value := func(key string) string {
		if v := child(scheme, key); v != nil {
			return v.Value
		}
		return ""
	}
	if value("type") != "http" || value("scheme") != "bearer" || value("bearerFormat") != "JWT" {
		t.Error("components.securitySchemes.bearerAuth is not an HTTP bearer JWT scheme")
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	reportProblems(t, "refs", refProblems(parseOpenAPI(t, OpenAPI)))
}

func TestOpenAPIPathParametersAreDeclared(t *testing.T) {
	reportProblems(t, "parameters", paramProblems(parseOpenAPI(t, OpenAPI)))
}

// fileAnswers are the operations whose success answer is a download (a
// File) rather than JSON, with the media type the document gives it. Their
// errors are JSON like every other's.
var fileAnswers = map[string]string{
	"GET /v1/orgs/{orgId}/programs/{programId}/invitation-imports/template": "text/csv",
	"GET /v1/orgs/{orgId}/programs/{programId}/domain-imports/template":     "text/csv",
	"POST /v1/orgs/{orgId}/programs/{programId}/member-csv":                 "text/csv",
}

// pageAnswers are the operations that answer browsers: every answer,
// errors included, is an HTML page (httpapi.Page).
var pageAnswers = map[string]bool{
	"GET /v1/unsubscribe/{token}":  true,
	"POST /v1/unsubscribe/{token}": true,
}

// negotiatedAnswers are the operations whose success answer is JSON, or a
// download of the given media type when the request's Accept names it: the
// document gives that answer both media types.
var negotiatedAnswers = map[string]string{
	"GET /v1/orgs/{orgId}/programs/{programId}/members": "text/csv",
	"GET /v1/orgs/{orgId}/audit":                        "text/csv",
}

// TestOpenAPIOperationsAreComplete checks what every operation must carry:
// a unique operationId, a summary, and responses whose bodies fit the
// handler's (no body for 204, the file's media type alone for the success
// answer of a download, JSON and the file's media type for one negotiated
// by Accept, JSON otherwise).
func TestOpenAPIOperationsAreComplete(t *testing.T) {
	root := parseOpenAPI(t, OpenAPI)
	public, err := openAPIPublic(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	operations(root, func(path, method string, _, op *yaml.Node) {
		key := method + " " + path
		id := child(op, "operationId")
		if id == nil || id.Value == "" {
			t.Errorf("%s has no operationId", key)
		} else if other, dup := ids[id.Value]; dup {
			t.Errorf("%s and %s share the operationId %s", key, other, id.Value)
		} else {
			ids[id.Value] = key
		}
		if s := child(op, "summary"); s == nil || s.Value == "" || strings.Contains(strings.TrimSpace(s.Value), "\n") {
			t.Errorf("%s needs a one-line summary", key)
		}
		responses := child(op, "responses")
		if responses == nil || len(responses.Content) == 0 {
			t.Errorf("%s has no responses", key)
		}
		pairs(responses, func(status string, res *yaml.Node) {
			res = deref(root, res)
			content := child(res, "content")
			file, download := fileAnswers[key]
			alt, negotiated := negotiatedAnswers[key]
			switch {
			case pageAnswers[key]:
				if child(content, "text/html") == nil || len(content.Content) != 2 {
					t.Errorf("%s: the %s answer is an HTML page: its only content must be text/html", key, status)
				}
			case status == "204" && content != nil:
				t.Errorf("%s: a 204 answer has no body, but the document gives it content", key)
			case strings.HasPrefix(status, "3"):
				if content != nil || child(child(res, "headers"), "Location") == nil {
					t.Errorf("%s: a %s answer is a redirect: no content, and a Location header", key, status)
				}
			case download && strings.HasPrefix(status, "2"):
				if child(content, file) == nil || len(content.Content) != 2 {
					t.Errorf("%s: the %s answer is a download: its only content must be %s", key, status, file)
				}
			case negotiated && strings.HasPrefix(status, "2"):
				if child(content, "application/json") == nil || child(content, alt) == nil || len(content.Content) != 4 {
					t.Errorf("%s: the %s answer is JSON or, by Accept, a download: its content must be application/json and %s", key, status, alt)
				}
			case status != "204" && child(content, "application/json") == nil:
				t.Errorf("%s: the %s answer must be application/json", key, status)
			}
		})
		if !public[key] && child(responses, "401") == nil {
			t.Errorf("%s needs a token but documents no 401", key)
		}
	})
}

// jsonFields returns the JSON field names of a struct type, following
// embedded structs the way encoding/json does, each with whether it is
// omitempty.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = strings.Contains(","+opts+",", ",omitempty,")
	}
	return out
}

// schemaProperties returns the property names of a schema, following allOf,
// and which of them are required.
func schemaProperties(root, schema *yaml.Node) (props, required map[string]bool) {
	props, required = map[string]bool{}, map[string]bool{}
	schema = deref(root, schema)
	pairs(child(schema, "properties"), func(name string, _ *yaml.Node) { props[name] = true })
	if req := child(schema, "required"); req != nil {
		for _, r := range req.Content {
			required[r.Value] = true
		}
	}
	if all := child(schema, "allOf"); all != nil {
		for _, part := range all.Content {
			p, r := schemaProperties(root, part)
			for k := range p {
				props[k] = true
			}
			for k := range r {
				required[k] = true
			}
		}
	}
	return props, required
}

// TestOpenAPISchemasMatchGoTypes holds the component schemas to the Go types
// the handlers decode and encode: the same JSON field names; for answers,
// every field that is always sent (no omitempty) required and no other; for
// requests, unknown fields refused as the strict decoder does.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	responses := map[string]any{
		"Org":          bo.Org{},
		"OrgCreated":   orgCreated{},
		"Summary":      bo.Counts{},
		"Licences":     bo.Licences{},
		"Admin":        bo.Admin{},
		"AdminList":    List[bo.Admin]{},
		"Contract":     contractView{},
		"ContractList": List[contractView]{},
		"Program":      programView{},
		"ProgramList":  List[programView]{},
		"Collection":   bo.Collection{},
		"CatalogItem":  bo.CatalogItem{},
		"Error":        errorBody{},

		"LibraryLoadResult":  library.LoadResult{},
		"LibraryItemList":    List[bo.CatalogItem]{},
		"CatalogCollection":  admin.CountedCollection{},
		"CountedCatalogItem": admin.CountedItem{},
		"LearnerCatalog":     enroll.LearnerCatalog{},
		"LearnerCollection":  enroll.LearnerCollection{},
		"LearnerItem":        enroll.LearnerItem{},
		"InvitationPage":     invite.InvitationPage{},
		"InvitationBrand":    invite.Brand{},
		"FieldError":         bo.FieldError{},

		"AuditRecordList": List[audit.Record]{},
		"AuditRecord":     audit.Record{},
		"AuditActor":      audit.Actor{},
		"AuditTarget":     audit.Target{},
		"AuditChange":     audit.Change{},

		"Learner":        bo.Learner{},
		"InvitationList": List[bo.Learner]{},
		"Invited":        invite.Invited{},
		"ProgramRef":     invite.ProgramRef{},
		"ContractRef":    invite.ContractRef{},
		"Removal":        bo.Removal{},
		"RemovalList":    List[bo.Removal]{},
		"ImportJob":      invite.Job{},
		"ImportProgress": invite.JobCounts{},
		"Accepted":       invite.Accepted{},
		"ProgramPage":    invite.ProgramPage{},

		"WhitelistedDomain":     bo.WhitelistedDomain{},
		"WhitelistedDomainList": List[bo.WhitelistedDomain]{},
		"DomainImportResult":    whitelist.ImportResult{},
		"SkippedDomainLine":     whitelist.SkippedEntry{},

		"Enrollment":     bo.Enrollment{},
		"EnrollmentList": List[bo.Enrollment]{},

		"MemberRemoval":     bo.Removal{},
		"MemberRemovalList": List[bo.Removal]{},
		"MembersPage":       membersPage{},
		"MemberCount":       members.Count{},
		"MemberDetail":      members.LearnerDetail{},
		"UsersPage":         members.UsersPage{},
		"User":              members.User{},
		"UserProgram":       members.UserProgram{},

		"AutomatedMessage":          reminders.AutomatedMessage{},
		"AutomatedMessageProgram":   reminders.ProgramRef{},
		"AutomatedMessageRun":       reminders.LastRun{},
		"ReminderCounts":            bo.CampaignCounts{},
		"AutomatedMessageList":      List[reminders.AutomatedMessage]{},
		"MemberExport":              members.Export{},
		"MemberExportSelection":     members.Selection{},
		"InvitationResend":          members.Resend{},
		"InvitationResendSelection": members.ResendSelection{},
		"Message":                   messaging.Message{},
		"MessageAudience":           messaging.Audience{},
		"PickedLearners":            messaging.LearnerList{},
		"CallToAction":              messaging.CallToAction{},
		"MessageAuthor":             messaging.Author{},
		"MessageCounts":             bo.CampaignCounts{},
		"MessagePreset":             messaging.PresetInfo{},
		"MessagePresetList":         List[messaging.PresetInfo]{},
		"MessagePreview":            messaging.Preview{},
		"PreviewRecipient":          messaging.Recipient{},
		"AudienceCount":             messaging.AudienceCount{},
		"MessagingSettings":         messaging.Settings{},
		"ReportJob":                 reports.Job{},
		"ReportProgress":            reports.Progress{},
		"ReportSummary":             reports.Summary{},
		"ReportSchedule":            reports.Schedule{},
		"Brand":                     bo.Brand{},
		"LogoUpload":                admin.LogoUpload{},
		"TrendSeries":               trends.Series{},
		"TrendPoint":                trends.Point{},
		"ClaimMapping":              profile.Mapping{},
		"PersonalDataJob":           privacy.Job{},
		"PersonalDataProgress":      privacy.Progress{},
	}
	requests := map[string]any{
		"NewOrg":           admin.NewOrg{},
		"NewOrgAdmin":      admin.NewAdmin{},
		"NewAdmin":         admin.NewAdmin{},
		"NewContract":      admin.NewContract{},
		"NewProgram":       admin.NewProgram{},
		"ProgramChange":    admin.ProgramChange{},
		"NewCollection":    admin.NewCollection{},
		"CollectionChange": admin.CollectionChange{},
		"NewItem":          admin.NewItem{},
		"ItemPlacement":    admin.ItemPlacement{},
		"NewCatalogItem":   bo.CatalogItem{},
		"LibraryLoad":      library.Load{},

		"NewInvitation":      invite.NewInvitation{},
		"InvitationRemovals": removalRequest{},
		"NewImport":          invite.NewImport{},

		"NewDomain":    whitelist.NewDomain{},
		"DomainImport": whitelist.DomainImport{},

		"NewEnrollment": enroll.NewEnrollment{},

		"MemberCSVRequest": memberCSV{},

		"RemovalOptions": removalOptions{},
		"MemberRemovals": memberRemovals{},

		"ReminderSwitch":      reminders.Switch{},
		"NewMemberExport":     members.Selection{},
		"NewInvitationResend": members.ResendSelection{},
		"NewMessage":          messaging.Draft{},
		"MessageChange":       messaging.Change{},
		"MessageAudience":     messaging.Audience{},
		"PickedLearners":      messaging.LearnerList{},
		"CallToAction":        messaging.CallToAction{},
		"PreviewRequest":      previewRequest{},
		"SendRequest":         sendRequest{},
		"MessagingSettings":   messaging.Settings{},
		"NewReport":           reports.NewReport{},
		"ScheduleChange":      reports.ScheduleChange{},
		"OrgChange":           admin.OrgChange{},
		"NewLogoUpload":       admin.NewLogoUpload{},
		"ContractChange":      admin.ContractChange{},
		"Renewal":             admin.Renewal{},
		"AdminChange":         admin.AdminChange{},
		"ClaimMappingChange":  profile.Change{},
	}
	root := parseOpenAPI(t, OpenAPI)
	schemas := child(child(root, "components"), "schemas")
	sameFields := func(name string, v any) (map[string]bool, map[string]bool, map[string]bool) {
		schema := child(schemas, name)
		if schema == nil {
			t.Errorf("components.schemas.%s is missing", name)
			return nil, nil, nil
		}
		fields := jsonFields(reflect.TypeOf(v))
		props, required := schemaProperties(root, schema)
		for f := range fields {
			if !props[f] {
				t.Errorf("schema %s lacks the field %q of %T", name, f, v)
			}
		}
		for p := range props {
			if _, ok := fields[p]; !ok {
				t.Errorf("schema %s has a property %q that %T does not have", name, p, v)
			}
		}
		return fields, props, required
	}
	for name, v := range responses {
		fields, _, required := sameFields(name, v)
		for f, omitempty := range fields {
			if omitempty && required[f] {
				t.Errorf("schema %s requires %q, which %T leaves out when empty", name, f, v)
			}
			if !omitempty && !required[f] {
				t.Errorf("schema %s does not require %q, which %T always sends", name, f, v)
			}
		}
	}
	for name, v := range requests {
		sameFields(name, v)
		if ap := child(child(schemas, name), "additionalProperties"); ap == nil || ap.Value != "false" {
			t.Errorf("schema %s must say additionalProperties: false: the decoder refuses unknown fields", name)
		}
	}
}

// TestOpenAPIEnumsMatchGo holds the enums of the invitation, join,
// whitelist, catalogue and enrollment schemas, and of the members view's
// parameters, to the Go constants they list.
func TestOpenAPIEnumsMatchGo(t *testing.T) {
	root := parseOpenAPI(t, OpenAPI)
	schemas := child(child(root, "components"), "schemas")
	property := func(schema, name string) *yaml.Node {
		return child(child(child(schemas, schema), "properties"), name)
	}
	enum := func(n *yaml.Node) []string {
		var out []string
		if e := child(n, "enum"); e != nil {
			for _, v := range e.Content {
				out = append(out, v.Value)
			}
		}
		return out
	}
	parameter := func(name string) *yaml.Node {
		return child(child(child(child(root, "components"), "parameters"), name), "schema")
	}
	names := func(n *yaml.Node) []string {
		var out []string
		pairs(child(n, "properties"), func(k string, _ *yaml.Node) { out = append(out, k) })
		return out
	}
	// skippedOutcomes are the whitelist import outcomes that skip a line.
	skippedOutcomes := []string{
		string(whitelist.OutcomeInvalid), string(whitelist.OutcomePublicDomain), string(whitelist.OutcomeDuplicate),
		string(whitelist.OutcomeAlreadyWhitelisted), string(whitelist.OutcomeOtherContract),
	}
	tests := []struct {
		what string
		got  []string
		want []string
	}{
		{"LicenceKind enum", enum(child(schemas, "LicenceKind")), []string{string(bo.LicencePerMembership), string(bo.LicencePerEnrollment)}},
		{"NewLogoUpload.contentType enum", enum(property("NewLogoUpload", "contentType")), admin.LogoTypes},
		{"ImportJob.status enum", enum(property("ImportJob", "status")), []string{
			string(invite.JobAwaitingUpload), string(invite.JobQueued), string(invite.JobRunning),
			string(invite.JobDone), string(invite.JobFailed),
		}},
		{"ImportOutcomes properties", names(child(schemas, "ImportOutcomes")), []string{
			string(invite.OutcomeInvited), string(invite.OutcomeAlreadyInvited), string(invite.OutcomeAlreadyMember),
			string(invite.OutcomeDuplicate), string(invite.OutcomeInvalidEmail), string(invite.OutcomeMissingName),
			string(invite.OutcomeInvalidName), string(invite.OutcomeInvalidExternalID), string(invite.OutcomeErased), string(invite.OutcomeInvalidProfile),
		}},
		{"InvitationResend.skipped properties", names(property("InvitationResend", "skipped")), members.SkipReasons},
		{"Learner.state enum", enum(property("Learner", "state")), []string{
			string(bo.StateInvited), string(bo.StateMember), string(bo.StateDeletedMember),
		}},
		{"ProgramPage.status enum", enum(property("ProgramPage", "status")), []string{
			string(invite.JoinMember), string(invite.JoinByDomain), string(invite.JoinRejoin),
			string(invite.JoinInvitation), string(invite.JoinNone),
		}},
		{"SkippedDomainLine.outcome enum", enum(property("SkippedDomainLine", "outcome")), skippedOutcomes},
		{"Enrollment.state enum", enum(property("Enrollment", "state")), []string{
			string(bo.Enrolled), string(bo.Unenrolled),
		}},
		{"MemberStatus enum", enum(parameter("MemberStatus")), func() (out []string) {
			for _, st := range bo.MemberStatuses {
				out = append(out, string(st))
			}
			return out
		}()},
		{"MemberSort enum", enum(parameter("MemberSort")), func() (out []string) {
			for _, o := range bo.MemberSorts {
				out = append(out, string(o))
			}
			return out
		}()},
		{"MemberColumns items enum", enum(child(parameter("MemberColumns"), "items")), members.Columns},
		{"MessageStatus enum", enum(child(schemas, "MessageStatus")), []string{
			string(messaging.StatusDraft), string(messaging.StatusSending), string(messaging.StatusSent),
		}},
		{"PresetName enum", enum(child(schemas, "PresetName")), func() (out []string) {
			for _, p := range messaging.Presets {
				out = append(out, string(p.Name))
			}
			return out
		}()},
		{"MessagePreset.status enum", enum(property("MessagePreset", "status")), func() (out []string) {
			for _, p := range messaging.Presets {
				out = append(out, string(p.Status))
			}
			return out
		}()},
		{"ReplyTo enum", enum(child(schemas, "ReplyTo")), []string{string(messaging.ReplyToAuthor), string(messaging.ReplyToNoReply)}},
		{"MessageAudience.status enum", enum(property("MessageAudience", "status")), func() (out []string) {
			for _, st := range bo.MemberStatuses {
				if st != bo.MemberRemoved {
					out = append(out, string(st))
				}
			}
			return out
		}()},
		{"OneClickUnsubscribe enum", enum(property("OneClickUnsubscribe", OneClickField)), []string{OneClickValue}},
		{"AutomatedMessage.id enum", enum(property("AutomatedMessage", "id")), []string{reminders.InvitationReminderID}},
		{"MemberExport.status enum", enum(property("MemberExport", "status")), []string{
			string(members.ExportQueued), string(members.ExportRunning), string(members.ExportDone), string(members.ExportFailed),
		}},
	}
	// The export's selection lists the view's parameters' values.
	for _, schema := range []string{"NewMemberExport", "MemberExportSelection"} {
		for _, p := range []struct{ property, parameter string }{{"status", "MemberStatus"}, {"sort", "MemberSort"}, {"order", "MemberOrder"}} {
			tests = append(tests, struct {
				what string
				got  []string
				want []string
			}{schema + "." + p.property + " enum", enum(property(schema, p.property)), enum(parameter(p.parameter))})
		}
		tests = append(tests, struct {
			what string
			got  []string
			want []string
		}{schema + ".columns items enum", enum(child(property(schema, "columns"), "items")), members.Columns})
	}
	// Every schema that names a catalogue item's type lists the same types.
	itemTypes := []string{string(bo.ItemCourse), string(bo.ItemSpecialization)}
	for _, p := range []struct{ schema, property string }{
		{"CatalogItem", "type"}, {"NewCatalogItem", "type"}, {"NewItem", "type"}, {"Enrollment", "itemType"},
	} {
		tests = append(tests, struct {
			what string
			got  []string
			want []string
		}{p.schema + "." + p.property + " enum", enum(property(p.schema, p.property)), itemTypes})
	}
	// The skipped-line enum lists exactly the outcomes that skip a line.
	for _, o := range []whitelist.Outcome{whitelist.OutcomeAdded, whitelist.OutcomeUpdated} {
		if o.Skipped() {
			t.Errorf("whitelist outcome %q skips a line: add it to the SkippedDomainLine.outcome enum", o)
		}
	}
	for _, o := range skippedOutcomes {
		if !whitelist.Outcome(o).Skipped() {
			t.Errorf("whitelist outcome %q does not skip a line: take it out of the SkippedDomainLine.outcome enum", o)
		}
	}
	for _, tt := range tests {
		got, want := slices.Sorted(slices.Values(tt.got)), slices.Sorted(slices.Values(tt.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", tt.what, got, want)
		}
	}
}

// openAPIProgramAdmin lets every caller administer every program.
type openAPIProgramAdmin struct{}

func (openAPIProgramAdmin) AuthorizeOrg(_ context.Context, _ bo.Caller, orgID string) (bo.Admin, error) {
	return bo.Admin{OrgID: orgID, Role: bo.RoleOrgAdmin}, nil
}

// openAPIAudit is an empty audit log.
type openAPIAudit struct{}

func (openAPIAudit) ListAudit(context.Context, string, audit.Query) ([]audit.Record, string, error) {
	return []audit.Record{}, "", nil
}

func (openAPIProgramAdmin) AuthorizeProgram(_ context.Context, _ bo.Caller, orgID, programID string) (bo.Program, error) {
	return bo.Program{OrgID: orgID, ID: programID}, nil
}

func (openAPIProgramAdmin) UsableContract(_ context.Context, orgID, contractID string) (bo.Contract, error) {
	return bo.Contract{OrgID: orgID, ID: contractID}, nil
}

// openAPIMembersView answers every members view with the two learners of
// the listMembers CSV example; it stores nothing else.
type openAPIMembersView struct{ members.Store }

func (openAPIMembersView) ListMembers(context.Context, string, bo.MemberQuery) (bo.MemberPage, error) {
	at := func(s string) *time.Time {
		t, _ := time.Parse(time.RFC3339, s)
		return &t
	}
	const contract = "con_06h0he9q8r7s6t5v4w3x2y1"
	return bo.MemberPage{Items: []bo.Learner{
		{Email: "Ada.Lovelace@example.com", FullName: "Ada Lovelace", ExternalID: "EMP-0001", State: bo.StateMember,
			ContractID: contract, InvitedAt: at("2025-03-01T08:00:00Z"), JoinedAt: at("2025-03-04T09:30:00Z"),
			LastActivityAt: at("2025-04-20T17:12:45Z"), CurrentEnrollments: 2, Enrollments: 3, Completions: 1},
		{Email: "grace@example.com", FullName: "Grace Hopper", ExternalID: "+44-1234", State: bo.StateMember,
			ContractID: contract, JoinedAt: at("2025-03-05T11:00:00Z")},
	}, Read: 2}, nil
}

// StreamMembers streams the same two learners.
func (openAPIMembersView) CountMembers(context.Context, string, bo.MemberQuery) (members.Count, error) {
	return members.Count{Count: 2, Read: 2}, nil
}

// GetLearners returns the example's learners among the keys.
func (v openAPIMembersView) GetLearners(ctx context.Context, programID string, keys []string) (map[string]bo.Learner, error) {
	page, _ := v.ListMembers(ctx, programID, bo.MemberQuery{})
	out := map[string]bo.Learner{}
	for _, l := range page.Items {
		if k := strings.ToLower(l.Email); slices.Contains(keys, k) {
			out[k] = l
		}
	}
	return out, nil
}

// ListContracts names the example's contract.
func (openAPIMembersView) ListContracts(context.Context, string, bo.Page) ([]bo.Contract, string, error) {
	return []bo.Contract{{ID: "con_06h0he9q8r7s6t5v4w3x2y1", Name: "Seats 2025"}}, "", nil
}

func (v openAPIMembersView) StreamMembers(ctx context.Context, programID string, q bo.MemberQuery, fn func([]bo.Learner) error) error {
	page, _ := v.ListMembers(ctx, programID, q)
	return fn(page.Items)
}

// TestOpenAPIDownloadsMatchHandlers holds each download of fileAnswers and
// negotiatedAnswers to the File its route answers (asked with that media
// type in Accept): the media type, and the example when the document gives
// one. A negotiated route asked without Accept answers JSON.
func TestOpenAPIDownloadsMatchHandlers(t *testing.T) {
	svc := invite.NewService(nil, openAPIProgramAdmin{}, nil, invite.Config{})
	served := map[string]RouteFunc{}
	for _, routes := range []map[Route]RouteFunc{
		adminRoutes(nil, nil, nil, slog.Default()),
		auditRoutes(audit.NewService(openAPIAudit{}, openAPIProgramAdmin{})),
		invitationRoutes(svc, invite.NewImporter(svc, nil, nil)),
		joinRoutes(svc),
		whitelistRoutes(whitelist.NewService(nil, openAPIProgramAdmin{})),
		memberRoutes(members.NewService(openAPIMembersView{}, openAPIProgramAdmin{}, nil, ""), nil, nil, nil),
	} {
		for r, fn := range routes {
			served[r.Key()] = fn
		}
	}
	root := parseOpenAPI(t, OpenAPI)
	caller := bo.Caller{Subject: "s", Email: "admin@example.com", EmailVerified: true}
	downloads := map[string]string{}
	for key, mediaType := range fileAnswers {
		downloads[key] = mediaType
	}
	for key, mediaType := range negotiatedAnswers {
		downloads[key] = mediaType
		if fn := served[key]; fn != nil {
			if _, body, err := fn(context.Background(), &Request{Caller: caller}); err != nil {
				t.Errorf("%s without Accept: %v", key, err)
			} else if _, file := body.(File); file {
				t.Errorf("%s without Accept answered a File; the document says JSON", key)
			}
		}
	}
	for key, mediaType := range downloads {
		fn := served[key]
		if fn == nil {
			t.Errorf("fileAnswers names %s, which no handler serves", key)
			continue
		}
		req := &Request{Caller: caller, Event: events.APIGatewayV2HTTPRequest{Headers: map[string]string{"accept": mediaType}}}
		method, path, _ := strings.Cut(key, " ")
		op := child(child(child(root, "paths"), path), strings.ToLower(method))
		// A download asked for with a body is asked with the document's
		// example of it.
		if ex := child(child(child(child(op, "requestBody"), "content"), "application/json"), "example"); ex != nil {
			var v any
			if err := ex.Decode(&v); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			req.Event.Body = string(b)
		}
		_, body, err := fn(context.Background(), req)
		f, ok := body.(File)
		if err != nil || !ok {
			t.Errorf("%s answered %T, %v; want a File", key, body, err)
			continue
		}
		if mt, _, err := mime.ParseMediaType(f.ContentType); err != nil || mt != mediaType {
			t.Errorf("%s answers a File of type %q; the document says %s", key, f.ContentType, mediaType)
		}
		pairs(child(op, "responses"), func(status string, res *yaml.Node) {
			if ex := child(child(child(deref(root, res), "content"), mediaType), "example"); ex != nil && ex.Value != string(f.Body) {
				t.Errorf("%s: the %s example is %q, the handler sends %q", key, status, ex.Value, f.Body)
			}
		})
	}
}

// TestOpenAPIChecksCatchDrift breaks copies of the document in the ways the
// checks above exist for, and makes sure each is caught.
func TestOpenAPIChecksCatchDrift(t *testing.T) {
	const contract = "/v1/orgs/{orgId}/contracts/{contractId}"
	tests := []struct {
		name   string
		breaks func(root *yaml.Node) bool
		check  func(doc []byte, root *yaml.Node) []string
		want   string
	}{
		{
			name:   "an operation deleted",
			breaks: func(root *yaml.Node) bool { return deleteKey(child(child(root, "paths"), contract), "get") },
			check:  func(doc []byte, _ *yaml.Node) []string { return routeProblems(doc, Routes) },
			want:   "missing from openapi.yaml: GET " + contract,
		},
		{
			name: "an operation not in Routes",
			breaks: func(root *yaml.Node) bool {
				item := child(child(root, "paths"), contract)
				get := child(item, "get")
				if get == nil {
					return false
				}
				item.Content = append(item.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "put"}, get)
				return true
			},
			check: func(doc []byte, _ *yaml.Node) []string { return routeProblems(doc, Routes) },
			want:  "in openapi.yaml but not in Routes: PUT " + contract,
		},
		{
			name: "the public route secured",
			breaks: func(root *yaml.Node) bool {
				return deleteKey(child(child(child(root, "paths"), "/v1/health"), "get"), "security")
			},
			check: func(doc []byte, _ *yaml.Node) []string { return securityProblems(doc, Routes) },
			want:  "GET /v1/health is public in Routes",
		},
		{
			name: "a secured route made public",
			breaks: func(root *yaml.Node) bool {
				op := child(child(child(root, "paths"), "/v1/orgs"), "post")
				if op == nil {
					return false
				}
				op.Content = append(op.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "security"},
					&yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle})
				return true
			},
			check: func(doc []byte, _ *yaml.Node) []string { return securityProblems(doc, Routes) },
			want:  "POST /v1/orgs needs a token in Routes but is public",
		},
		{
			name: "a dangling $ref",
			breaks: func(root *yaml.Node) bool {
				ref := child(child(child(child(child(child(child(root, "paths"), contract), "get"), "responses"), "200"), "content"), "application/json")
				ref = child(child(ref, "schema"), "$ref")
				if ref == nil {
					return false
				}
				ref.Value = "#/components/schemas/Contrakt"
				return true
			},
			check: func(_ []byte, root *yaml.Node) []string { return refProblems(root) },
			want:  `$ref "#/components/schemas/Contrakt" resolves to nothing`,
		},
		{
			name:   "a path parameter left undeclared",
			breaks: func(root *yaml.Node) bool { return deleteKey(child(child(root, "paths"), contract), "parameters") },
			check:  func(_ []byte, root *yaml.Node) []string { return paramProblems(root) },
			want:   "GET " + contract + ": path parameter {contractId} is not declared",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := parseOpenAPI(t, OpenAPI)
			if !tt.breaks(root) {
				t.Fatal("the document no longer has what this test breaks; update the test")
			}
			doc := marshalOpenAPI(t, root)
			problems := tt.check(doc, parseOpenAPI(t, doc))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("the check missed it: want a problem containing %q, got %q", tt.want, problems)
			}
		})
	}
}
