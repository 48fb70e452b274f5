package dynamo

// Every key of the single table is built in this file, and every access
// pattern the code uses is listed here with the key or index that serves it.
// The table and its indexes are declared in shared/resources.
//
// Items (all carry "type", "createdAt" and "updatedAt"):
//
//	entity          PK                   SK                    GSI1PK / GSI1SK                  GSI2PK / GSI2SK
//	Org             ORG#<orgId>          ORG                   -                                -
//	Admin           ORG#<orgId>          ADMIN#<email>         -                                -
//	Contract        ORG#<orgId>          CONTRACT#<contractId> -                                -
//	Program         ORG#<orgId>          PROGRAM#<programId>   -                                -
//	ProgramSlug     SLUG#<slug>          SLUG                  -                                -
//	Collection      PROGRAM#<programId>  COLLECTION#<colId>    -                                -
//	Health          HEALTH               HEALTH                -                                -
//
// <email> is the whole address lower-cased (backoffice.Email.Key). GSI1 and
// GSI2 are generic overloaded indexes reserved for the learner patterns of the
// later capabilities (members by status and sort order, invitations by token,
// pending reminders by date); each is added to this table with its pattern.
//
// Access patterns:
//
//	pattern                                   served by
//	get an org (with its summary counters)    GetItem   PK=ORG#<orgId>, SK=ORG
//	is the caller an admin of the org, role   GetItem   PK=ORG#<orgId>, SK=ADMIN#<email>
//	list the org's admins                     Query     PK=ORG#<orgId>, SK begins_with ADMIN#
//	get a contract (licences used)            GetItem   PK=ORG#<orgId>, SK=CONTRACT#<id>
//	list the org's contracts                  Query     PK=ORG#<orgId>, SK begins_with CONTRACT#
//	get a program                             GetItem   PK=ORG#<orgId>, SK=PROGRAM#<id>
//	list the org's programs                   Query     PK=ORG#<orgId>, SK begins_with PROGRAM#
//	program by slug (learner URLs), unique    GetItem   PK=SLUG#<slug>, SK=SLUG (created with attribute_not_exists)
//	a program's catalogue                     Query     PK=PROGRAM#<programId>, SK begins_with COLLECTION#
//	health check                              GetItem   PK=HEALTH, SK=HEALTH
//
// Limits and counters: a contract's "used" licences and an org's counters
// change only in conditional updates or transactions; the org's count of org
// admins ("orgAdmins") is decremented only under orgAdmins > 1, so the last
// org admin cannot be removed.
//
// Hot keys (about 1,000 write and 3,000 read units a second per partition
// key value): ORG#<orgId> holds an org's few admins, contracts and programs
// and its counters; admin writes are rare, and the counters that learner
// traffic moves are updated once per batch of rows by bulk work, never once
// per row. A contract item takes one conditional write per join, far below
// the ceiling for human-paced joins. PROGRAM#<programId> holds at most 50
// collections, written by admins.

const (
	typeOrg        = "Org"
	typeAdmin      = "Admin"
	typeContract   = "Contract"
	typeProgram    = "Program"
	typeSlug       = "ProgramSlug"
	typeCollection = "Collection"
)

const (
	prefixAdmin      = "ADMIN#"
	prefixContract   = "CONTRACT#"
	prefixProgram    = "PROGRAM#"
	prefixCollection = "COLLECTION#"
)

// key is the primary key of an item.
type key struct {
	PK string `dynamodbav:"PK"`
	SK string `dynamodbav:"SK"`
}

func orgPK(orgID string) string         { return "ORG#" + orgID }
func programPK(programID string) string { return prefixProgram + programID }

func orgKey(orgID string) key { return key{PK: orgPK(orgID), SK: "ORG"} }
func adminKey(orgID, emailKey string) key {
	return key{PK: orgPK(orgID), SK: prefixAdmin + emailKey}
}
func contractKey(orgID, contractID string) key {
	return key{PK: orgPK(orgID), SK: prefixContract + contractID}
}
func programKey(orgID, programID string) key {
	return key{PK: orgPK(orgID), SK: prefixProgram + programID}
}
func slugKey(slug string) key { return key{PK: "SLUG#" + slug, SK: "SLUG"} }
func collectionKey(programID, collectionID string) key {
	return key{PK: programPK(programID), SK: prefixCollection + collectionID}
}
func healthKey() key { return key{PK: "HEALTH", SK: "HEALTH"} }
