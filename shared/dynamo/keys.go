package dynamo

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

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
//	Learner         PROGRAM#<pid>#L#<s>  LEARNER#<email>       PROGRAM#<pid>#<STATE>#<s>        PROGRAM#<pid>#<STATE>#<s>
//	                                                           / <email>                        / <name>#<email>
//	                GSI3, GSI4, GSI5 share GSI1PK; their sort keys are <joined ms>#<email> (members only),
//	                <invited ms>#<email> (invitees only) and <last activity ms>#<email>, where the last
//	                activity is the latest of activity, joining and invitation (13-digit ms, so they sort)
//	Enrollment      PROGRAM#<pid>#L#<s>  ENROLL#<email>#<item> -                                -
//	InviteToken     TOKEN#<sha256>       TOKEN                 -                                -
//	ImportJob       PROGRAM#<programId>  IMPORT#<importId>     -                                -
//	Domain          PROGRAM#<programId>  DOMAIN#<asciiDomain>  -                                -
//	MailClaim       MAIL#<emailId>       MAIL                  -                                -
//	ReportJob       ORG#<orgId>          REPORT#<reportId>     -                                -
//	ReportSchedule  ORG#<orgId>          REPORT_SCHEDULE       -                                -
//	ScheduleDay     REPORT_DAY#<day>     ORG#<orgId>           -                                -
//	Health          HEALTH               HEALTH                -                                -
//
// <email> is the whole address lower-cased (backoffice.Email.Key); <name> is
// the full name lower-cased. <s> is the learner shard, fnv-1a(<email>) mod
// LearnerShards: one program's learners are spread over LearnerShards
// partition key values in the table and in each index, because a bulk import
// or a fan-out over a program of 100,000 members would otherwise write (or
// read) one key value past its ceiling. A learner's shard is computed from
// the email, so reading one learner is still one GetItem; lists query the
// shards in parallel and merge them in sort-key order.
// <STATE> is INVITED, MEMBER or DELETED_MEMBER. Tokens and mail claims carry
// expiresAt (the table's TTL attribute).
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
//	a learner of a program (invitation/member) GetItem  PK=PROGRAM#<pid>#L#<s>, SK=LEARNER#<email>
//	invite (unless invited or a member)       TransactWrite: Put learner attribute_not_exists(PK) OR state=DELETED_MEMBER,
//	                                          Put token, ADD program.invited, ADD contract.pending
//	invitation by link                        GetItem   PK=TOKEN#<sha256(token)>, SK=TOKEN (strongly consistent)
//	accept: join under the licence cap        TransactWrite: learner state=INVITED -> MEMBER, contract ADD used 1
//	                                          under used < licences (or unlimited) and the contract's term,
//	                                          program and org counters, Delete token
//	list learners of a program by state,      Query GSI1 PK=PROGRAM#<pid>#<STATE>#<s> for each shard s in parallel,
//	  email order, email prefix search          SK begins_with <prefix>, merged by email; cursor = last email
//	  name order, name prefix search          Query GSI2 likewise, SK begins_with <name prefix>
//	members view: a state, sorted by email,   Query GSI1/GSI2/GSI3/GSI4/GSI5 PK=PROGRAM#<pid>#<STATE>#<s> on the
//	  name, join/invitation date or last        8 shards in parallel, either direction, merged; the other
//	  activity; search; the other filters       conditions (current enrollments, completions, activity
//	                                            windows, contract, course, search off its own index) narrow
//	                                            that one indexed result with a FilterExpression, within a
//	                                            read budget per request
//	an import job and its progress            GetItem   PK=PROGRAM#<pid>, SK=IMPORT#<importId>
//	is an email's domain whitelisted          GetItem   PK=PROGRAM#<pid>, SK=DOMAIN#<ascii domain> (exact)
//	list/search a program's domains           Query     PK=PROGRAM#<pid>, SK begins_with DOMAIN#<prefix>
//	self-join by domain                       TransactWrite: Put learner MEMBER attribute_not_exists(PK),
//	                                          contract ADD used 1 under the cap and term, counters
//	rejoin after a removal with return        TransactWrite: learner DELETED_MEMBER -> MEMBER under allowReturn,
//	                                          contract ADD used 1 under the cap and term, counters
//	a member's enrollments                    Query     PK=PROGRAM#<pid>#L#<s>, SK begins_with ENROLL#<email>#
//	enroll under the per-learner limit        TransactWrite: Put enrollment (new or UNENROLLED), learner ADD
//	                                          currentEnrollments 1 under state=MEMBER and currentEnrollments < limit
//	                                          (and utilisedAt set once, counting the licence utilised), counters
//	unenroll                                  TransactWrite: enrollment ENROLLED -> UNENROLLED, learner ADD -1
//	send an email at most once                PutItem   PK=MAIL#<emailId> attribute_not_exists(PK)
//	a report's learners with their            Query     PK=PROGRAM#<pid>#L#<s>, SK begins_with LEARNER# and, beside
//	  enrollments, current (reports)                    it, SK begins_with ENROLL# (FilterExpression on the item type
//	                                                    or item), ConsistentRead, on the 8 shards in parallel; each
//	                                                    shard merge-joins the two by email, the shards are merged by
//	                                                    email (both sort keys order by email: an email's characters
//	                                                    after its domain starts are above the "#" that ends it in
//	                                                    ENROLL#<email>#<item>)
//	create a report job; scheduled ones once  PutItem   PK=ORG#<orgId>, SK=REPORT#<reportId> attribute_not_exists(PK);
//	  a day (id from org, date, programs)               a scheduled job's id is derived from the org, the date and
//	                                                    its programs, so a second run of the day writes nothing
//	a report job, its progress                GetItem / UpdateItem PK=ORG#<orgId>, SK=REPORT#<reportId> (TTL)
//	an org's weekly report schedule           GetItem   PK=ORG#<orgId>, SK=REPORT_SCHEDULE
//	set it (and the days it runs on)          TransactWrite: Put the schedule, Put a ScheduleDay item for each
//	                                          chosen day, Delete those of the other days
//	the orgs whose report is due on a day     Query     PK=REPORT_DAY#<day> (day: MONDAY..SUNDAY), paginated
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
// the ceiling for human-paced joins (a burst of joins beyond about 1,000 a
// second on one contract would queue on it; the transaction retries).
// PROGRAM#<programId> holds at most 50 collections and the import jobs,
// written by admins. A program's learners are the key that bulk work makes
// hot: a 100,000-row import writes two items a row (learner and token), so
// one key value would cap it near 500 rows a second; LearnerShards = 8 lifts
// the ceiling to about 8,000 writes a second in the table and in each index,
// above what one import Lambda drives. Tokens and mail claims are one key
// value each. A report reads a program's learner partitions (8 key values,
// in parallel), well under their read ceiling; report jobs and schedules
// are a few admin-paced writes in ORG#<orgId> (a job's progress is written
// once per 10,000 rows). REPORT_DAY#<day> holds one small item per org
// reporting that weekday: written when a schedule changes, read once a day.

const (
	typeOrg        = "Org"
	typeAdmin      = "Admin"
	typeContract   = "Contract"
	typeProgram    = "Program"
	typeSlug       = "ProgramSlug"
	typeCollection = "Collection"
)

// LearnerShards is how many partition key values one program's learners are
// spread over.
const LearnerShards = 8

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

const (
	prefixLearner = "LEARNER#"
	prefixImport  = "IMPORT#"
	prefixDomain  = "DOMAIN#"
	prefixEnroll  = "ENROLL#"
)

// learnerShard returns the shard of a learner's email key.
func learnerShard(emailKey string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(emailKey))
	return int(h.Sum32() % LearnerShards)
}

func learnerKey(programID, emailKey string) key {
	return key{PK: learnerShardPK(programID, learnerShard(emailKey)), SK: prefixLearner + emailKey}
}

// learnerShardPK is the partition of one shard of a program's learners
// and their enrollments.
func learnerShardPK(programID string, shard int) string {
	return fmt.Sprintf("%s%s#L#%d", prefixProgram, programID, shard)
}

// learnerIndexPK is the GSI1 and GSI2 partition key of the learners of a
// program in one state and shard.
func learnerIndexPK(programID, state string, shard int) string {
	return fmt.Sprintf("%s%s#%s#%d", prefixProgram, programID, state, shard)
}

// learnerIndexKeys returns the GSI1 and GSI2 keys of a learner: by state,
// then by email (GSI1) and by lower-cased name (GSI2).
func learnerIndexKeys(programID, state, emailKey, fullName string) (gsi1pk, gsi1sk, gsi2pk, gsi2sk string) {
	pk := learnerIndexPK(programID, state, learnerShard(emailKey))
	return pk, emailKey, pk, strings.ToLower(fullName) + "#" + emailKey
}

// enrollmentKey keeps a member's enrollments in their learner item's
// partition, next to it.
func enrollmentKey(programID, emailKey, itemID string) key {
	return key{PK: learnerKey(programID, emailKey).PK, SK: prefixEnroll + emailKey + "#" + itemID}
}

// learnerSortKeys returns a learner's GSI3, GSI4 and GSI5 sort keys: by
// join date (members, or "" for none), invitation date (invitees, or "")
// and last activity, the latest of activity, joining and invitation.
func learnerSortKeys(emailKey string, joined, invited, activity *time.Time) (g3, g4, g5 string) {
	ms := func(t *time.Time) int64 {
		if t == nil {
			return 0
		}
		return t.UnixMilli()
	}
	if joined != nil {
		g3 = fmt.Sprintf("%013d#%s", ms(joined), emailKey)
	}
	if invited != nil {
		g4 = fmt.Sprintf("%013d#%s", ms(invited), emailKey)
	}
	g5 = fmt.Sprintf("%013d#%s", max(ms(activity), ms(joined), ms(invited)), emailKey)
	return g3, g4, g5
}

func tokenKey(tokenHash string) key { return key{PK: "TOKEN#" + tokenHash, SK: "TOKEN"} }
func importKey(programID, importID string) key {
	return key{PK: programPK(programID), SK: prefixImport + importID}
}
func domainKey(programID, asciiDomain string) key {
	return key{PK: programPK(programID), SK: prefixDomain + asciiDomain}
}
func mailClaimKey(emailID string) key { return key{PK: "MAIL#" + emailID, SK: "MAIL"} }

const (
	prefixReport   = "REPORT#"
	prefixSchedDay = "REPORT_DAY#"
)

func reportKey(orgID, reportID string) key { return key{PK: orgPK(orgID), SK: prefixReport + reportID} }
func scheduleKey(orgID string) key         { return key{PK: orgPK(orgID), SK: "REPORT_SCHEDULE"} }

// scheduleDayKey is the item that lists the org under a weekday
// ("MONDAY"), for the daily run.
func scheduleDayKey(day, orgID string) key { return key{PK: prefixSchedDay + day, SK: orgPK(orgID)} }
