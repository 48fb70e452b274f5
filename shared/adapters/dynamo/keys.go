package dynamo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Every key of the single table is built in this file, and every access
// pattern the code uses is listed here with the key or index that serves it.
// The table and its indexes are declared in shared/app/resources.
//
// Items (all carry "type", "createdAt" and "updatedAt"):
//
//	entity          PK                   SK                    GSI1PK / GSI1SK                  GSI2PK / GSI2SK
//	Org             ORG#<orgId>          ORG                   -                                -
//	Admin           ORG#<orgId>          ADMIN#<email>         -                                -
//	Contract        ORG#<orgId>          CONTRACT#<contractId> -                                -
//	Program         ORG#<orgId>          PROGRAM#<programId>   PROGRAMS#<n> / <orgId>#<programId> -
//	ProgramSlug     SLUG#<slug>          SLUG                  -                                -
//	Collection      PROGRAM#<programId>  COLLECTION#<colId>    -                                -
//	Learner         PROGRAM#<pid>#L#<s>  LEARNER#<email>       PROGRAM#<pid>#<STATE>#<s>        PROGRAM#<pid>#<STATE>#<s>
//	                                                           / <email>                        / <name>#<email>
//	                GSI3, GSI4, GSI5 share GSI1PK; their sort keys are <joined ms>#<email> (members only),
//	                <invited ms>#<email> (invitees only) and <last activity day>#<email>, where the last
//	                activity is the latest of activity, joining and invitation and <day> the first ms
//	                of its UTC day (13-digit ms, so they sort); GSI7 and GSI8 share it too, their sort
//	                keys <enrollments>#<email> and <completions>#<email> (10-digit counts), set in the
//	                transactions that change the counts
//	                GSI6PK / GSI6SK = EMAIL#<email> / PROGRAM#<pid>: one person in every program; GSI6
//	                holds learner items only and projects state, orgId, programId, invitationId, importId
//	Enrollment      PROGRAM#<pid>#L#<s>  ENROLL#<email>#<item> -                                -
//	InviteToken     TOKEN#<sha256>       TOKEN                 -                                -
//	                GSI6PK / GSI6SK = EMAIL#<email> / TOKEN#<pid>: an erasure finds the person's links
//	ImportJob       PROGRAM#<programId>  IMPORT#<importId>     -                                -
//	ImportResult    IMPORTRESULT#<importId>  PART#<chunk>#<part> -                             -
//	ImportBounces   PROGRAM#<programId>  UNDELIVERABLE#<importId> -                             -
//	MemberExport    PROGRAM#<programId>  EXPORT#<exportId>     -                                -
//	                PROGRAM#<programId>  EXPORT#<resendId>     (the job of a bulk invitation resend, kind=invitation-resend)
//	Domain          PROGRAM#<programId>  DOMAIN#<asciiDomain>  -                                -
//	MailClaim       MAIL#<sha256(emailId)> MAIL                -                                -
//	Suppression     CONTACT#<email>      SUPPRESSED            -                                -
//	OptOut          CONTACT#<email>      OPTOUT#<orgId>        -                                -
//	CampaignCounts  CAMPAIGN#<campaign>  COUNTS                -                                -
//	Reminder        REMINDER#<pid>#<email>#<invited ms>#<n>  REMINDER  -                        -
//	ReminderRun     REMINDERRUN#<YYYY-MM-DD>  RUN              -                                -
//	CampaignPage    CAMPAIGN#<campaign>  PAGE#<page>           -                                -
//	Delivery        CAMPAIGN#<campaign>#<s>  TO#<email>        -                                -
//	Message         ORG#<orgId>          MESSAGE#<messageId>   -                                -
//	MessagingSettings ORG#<orgId>        MESSAGING             -                                -
//	MessageCap      CONTACT#<email>      CAP#<orgId>           -                                -
//	ReportJob       ORG#<orgId>          REPORT#<reportId>     -                                -
//	ReportSchedule  ORG#<orgId>          REPORT_SCHEDULE       -                                -
//	ScheduleDay     REPORT_DAY#<day>     ORG#<orgId>           -                                -
//	ClaimMapping    ORG#<orgId>          PROFILE_CLAIMS        -                                -
//	Health          HEALTH               HEALTH                -                                -
//	Migration       MIGRATION#<id>       MIGRATION             -                                -
//	AuditRecord     AUDIT#<orgId>        <at ms>#<auditId>     -                                -
//	  its copies    AUDIT#<orgId>#ACTOR#<actor>, AUDIT#<orgId>#ACTION#<action>,
//	                AUDIT#<orgId>#TARGET#<type>#<id>, AUDIT#<orgId>#PROGRAM#<pid>  (same SK, whole record)
//	LibraryItem     LIBRARY#<itemId>     ITEM                  -                                -
//	LibraryTerm     LIBTERM#<t2>         <term>#<itemId>       -                                -
//	ItemCounts      PROGRAM#<programId>  ITEMCOUNT#<itemId>    -                                -
//	TrendDay        TREND#<orgId>        DAY#<yyyy-mm-dd>      -                                -
//	                TREND#<orgId>#<pid>  DAY#<yyyy-mm-dd>      (an org's, a program's daily roll-up; no index)
//	DataExport      ORG#<orgId>          DATAEXPORT#<id>       -                                -
//	Erasure         ORG#<orgId>          ERASURE#<id>          -                                -
//	Tombstone       ORG#<orgId>          ERASED#<digest>       -                                -
//
// <digest> is backoffice.PersonDigest(orgId, email): personal-data jobs and
// tombstones keep it, never the address; an erased person's learner items
// and enrollments live on under <anonId>@erased.invalid.
//
// <email> is the whole address lower-cased (backoffice.Email.Key); <name> is
// the full name lower-cased. <s> is the learner shard, fnv-1a(<email>) mod
// LearnerShards: one program's learners are spread over LearnerShards
// partition key values in the table and in each index, because a bulk import
// or a fan-out over a program of 100,000 members would otherwise write (or
// read) one key value past its ceiling. A learner's shard is computed from
// the email, so reading one learner is still one GetItem; lists query the
// shards in parallel and merge them in sort-key order.
// <STATE> is INVITED, MEMBER or DELETED_MEMBER. Tokens, mail claims,
// reminders, reminder runs, import result parts and member exports carry
// expiresAt (the table's TTL attribute); an export's is its file's expiry (members.ExportLifetime).
// <n> of a program is its shard in the index of every program,
// fnv-1a(<programId>) mod ProgramShards (written when the program is
// created, and again by any update of the program or its reminder switch,
// which indexes a program created before the index existed); <n> of a
// reminder is 1 or 2, the first or second Saturday after the invitation.
// Delivery records, counted-page markers and message caps carry expiresAt
// too. <campaign> is message/<orgId>/<messageId> for an admin's message
// and reminder/<orgId>/<programId>/<YYYY-MM-DD> for a Saturday's reminders
// of a program; <page> names a page of a message's audience (segment and
// cursor).
// <term> is a search term of a library item (library.Terms: its normalised
// name from each of its first words on, and its university likewise) and
// <t2> the term's first two runes: a search by a prefix of at least two
// letters reads the one partition of its first two.
//
// Projections (declared in shared/app/resources): GSI1 to GSI5, GSI7 and GSI8 project the keys
// and only what the members view's filters read (emailKey, nameKey,
// contractId, currentEnrollments, completions, lastCompletionMs,
// currentItems, undeliverable, and GSI5SK on GSI1 to GSI4, GSI7, GSI8), and GSI1 the
// program fields the reminders read; a page's learners are then read whole
// with BatchGetItem (a page at most, 100 keys a call). So learning
// activity, which rewrites lastActivityAt and lastActivityMs on every
// event, costs no index write, except a learner's first event of a later
// UTC day, which moves their GSI5 key (two writes on GSI5, one on each of
// GSI1 to GSI4, GSI7 and GSI8), and a first completion (two on GSI8, its
// key; one on each of the others that project completions). An enrollment
// moves the GSI7 key (two writes) and currentEnrollments (one on each
// other learner index). What needs the exact last activity reads the table: the
// members view's column and the activity path's "only if later" condition.
//
// Access patterns (GSI1 to GSI8 are the indexes whose names in code, in
// shared/app/resources, say what they serve: IndexLearnersByEmail, …ByName,
// …ByJoined, …ByInvited, …ByActivity, IndexProgramsByEmail,
// IndexLearnersByEnrollments and …ByCompletions):
//
//	pattern                                   served by
//	get an org (with its summary counters)    GetItem   PK=ORG#<orgId>, SK=ORG
//	change an org's settings (name, brand     UpdateItem PK=ORG#<orgId>, SK=ORG SET the fields given,
//	  colour, logo key, invitation message)              attribute_exists(PK); the counters are not touched
//	is the caller an admin of the org, role   GetItem   PK=ORG#<orgId>, SK=ADMIN#<email>
//	list the org's admins                     Query     PK=ORG#<orgId>, SK begins_with ADMIN#
//	change a program admin's programs         UpdateItem PK=ORG#<orgId>, SK=ADMIN#<email> SET programIds under
//	                                          role=program_admin AND programIds=<as read>
//	get a contract (licences used)            GetItem   PK=ORG#<orgId>, SK=CONTRACT#<id>
//	list the org's contracts                  Query     PK=ORG#<orgId>, SK begins_with CONTRACT#
//	edit a contract (name, end, licences)     UpdateItem PK=ORG#<orgId>, SK=CONTRACT#<id> under attribute_exists,
//	                                          startsMs < <new endsMs>, and the new licences >= those in use
//	                                          (used on a per-membership contract, enrollmentLicences on a
//	                                          per-enrollment one), returning the old item on failure
//	renew a contract, once                    TransactWrite: Update the old contract SET renewedById under
//	                                          attribute_not_exists(renewedById), Put the new one
//	                                          attribute_not_exists(PK), ADD org.contracts 1
//	get a program                             GetItem   PK=ORG#<orgId>, SK=PROGRAM#<id>
//	change a program (name, tagline, limit,   UpdateItem PK=ORG#<orgId>, SK=PROGRAM#<id> SET the fields (REMOVE
//	  banner key)                                        the banner's when it is taken off), attribute_exists(PK)
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
//	  email order, email prefix search          SK begins_with <prefix>, merged by email; cursor = last email;
//	                                            BatchGetItem of the page's learners
//	  name order, name prefix search          Query GSI2 likewise, SK begins_with <name prefix>
//	members view: a state, sorted by email,   Query GSI1/GSI2/GSI3/GSI4/GSI5/GSI7/GSI8 PK=PROGRAM#<pid>#<STATE>#<s>
//	  name, join/invitation date, last          on the 8 shards in parallel, either direction, merged; what the key
//	  activity (to the day), number of          range does not serve (table below) narrows that one indexed
//	  enrollments or completions; search;       result with a FilterExpression, within a read budget per request;
//	  the other filters                         then BatchGetItem of the page's learners
//	  several contracts, several courses        FilterExpression contractId IN (...) and (contains(currentItems, c1)
//	                                            OR ...), at most members.MaxFilterIDs of each
//	the count of a members view selection     the same Queries with Select COUNT, each shard read to its end, in
//	                                            parallel (no budget; no learner read from the table)
//	one learner with enrollments (admin)      GetItem the learner; Query PK=PROGRAM#<pid>#L#<s>, SK begins_with ENROLL#<email>#
//	a CSV of learners picked by hand          BatchGetItem PK=PROGRAM#<pid>#L#<s>, SK=LEARNER#<email> (100 a call, 1,000 at most)
//	org-wide users, email or name prefix      Query GSI1 (email) or GSI2 (name) PK=PROGRAM#<pid>#<INVITED|MEMBER>#<s>,
//	                                            SK BETWEEN max(<prefix>, <after>+"\x00") AND <prefix>+U+10FFFF,
//	                                            Limit page+1, no filter, for every program the caller administers and
//	                                            every shard (16 Queries in flight), merged, one entry per email;
//	                                            BatchGetItem of the page; Query GSI6 PK=EMAIL#<email> for each
//	                                            person's programs (kept to the org's)
//	a member export: a whole selection        the same Queries, each shard read on from where it stopped and
//	                                            merged as it goes (every item of the range read once), no budget;
//	                                            BatchGetItem of each batch of 500 learners
//	an import job and its progress            GetItem   PK=PROGRAM#<pid>, SK=IMPORT#<importId>
//	import a chunk of rows, all or nothing    TransactWrite (at most 100 items): Put each learner
//	                                          attribute_not_exists(PK) (or state=DELETED_MEMBER AND updatedAt=read),
//	                                          Put each token, ADD program.invited, contract.pending, org.invited
//	                                          by the rows, Put the job (counts, checkpoint) under status not
//	                                          done/failed AND checkpoint.chunks=<as read>, Put the chunk's result
//	                                          parts IMPORTRESULT#<importId>/PART#<chunk>#<part>
//	an import's result file, at its end       Query     PK=IMPORTRESULT#<importId>, SK begins_with PART# (in order,
//	                                          ConsistentRead)
//	a member export and its progress          GetItem   PK=PROGRAM#<pid>, SK=EXPORT#<exportId>; its runs write
//	                                          it with PutItem under status IN (queued, running) (a new run)
//	                                          or status=running AND runId=<run> (progress, the end)
//	a bulk invitation resend and its progress the same item and writes (kind=invitation-resend, counts); its run
//	                                          reads the invited_not_joined selection as a member export does
//	                                          (or BatchGetItem of the picked learners, 100 a call), then per
//	                                          batch BatchGetItem CONTACT#<email>/SUPPRESSED and OPTOUT#<orgId>,
//	                                          and per learner the cap (read ORG#<orgId>/MESSAGING and
//	                                          CONTACT#<email>/CAP#<orgId>, PutItem under version) and the resend
//	                                          (Put TOKEN#<sha256>, UpdateItem the learner's emailQueuedAt)
//	is an email's domain whitelisted          GetItem   PK=PROGRAM#<pid>, SK=DOMAIN#<ascii domain> (exact)
//	list/search a program's domains           Query     PK=PROGRAM#<pid>, SK begins_with DOMAIN#<prefix>
//	self-join by domain                       TransactWrite: Put learner MEMBER attribute_not_exists(PK),
//	                                          contract ADD used 1 under the cap and term, counters
//	rejoin after a removal with return        TransactWrite: learner DELETED_MEMBER -> MEMBER under allowReturn,
//	                                          contract ADD used 1 under the cap and term, counters
//	a member's enrollments                    Query     PK=PROGRAM#<pid>#L#<s>, SK begins_with ENROLL#<email>#
//	enroll under the per-learner limit        GetItem of the enrollment (new or UNENROLLED, as read), then
//	  and, on a per-enrollment contract,      TransactWrite: Put enrollment under attribute_not_exists(PK) (new) or
//	  under its licences                      state=UNENROLLED (again), learner ADD currentEnrollments 1 under
//	                                          state=MEMBER and currentEnrollments < limit (and utilisedAt set once),
//	                                          contract ADD enrollmentLicences 1 on a new one (under the cap and
//	                                          term when licenceKind=enrollment) and utilised 1 on the first one,
//	                                          counters
//	  (the learner's GSI7SK set to <enrollments+1>#<email>, under enrollments = the count read)
//	unenroll                                  TransactWrite: enrollment ENROLLED -> UNENROLLED, learner ADD -1
//	a first completion (activity)             in the progress's TransactWrite (enrollment Put under version=read):
//	                                          learner ADD completions 1 SET GSI8SK = <completions+1>#<email> under
//	                                          completions = the count of a strongly consistent GetItem just before
//	send an email at most once                PutItem   PK=MAIL#<emailId> attribute_not_exists(PK)
//	suppress an address (bounce, complaint)   PutItem   PK=CONTACT#<email>, SK=SUPPRESSED attribute_not_exists(PK)
//	unsubscribe an address from an org's mail PutItem   PK=CONTACT#<email>, SK=OPTOUT#<orgId> attribute_not_exists(PK)
//	may these addresses get the org's mail    BatchGetItem PK=CONTACT#<email>, SK=SUPPRESSED and SK=OPTOUT#<orgId>
//	count a campaign's outcomes               UpdateItem PK=CAMPAIGN#<campaign>, SK=COUNTS ADD <outcome> n
//	read a campaign's counts                  GetItem   PK=CAMPAIGN#<campaign>, SK=COUNTS (strongly consistent)
//	a message; draft it, edit it              GetItem / PutItem PK=ORG#<orgId>, SK=MESSAGE#<id> (edit: status=draft
//	                                          AND version=read)
//	send a message once                       UpdateItem status draft -> sending (condition status=draft), with
//	                                          termsAcceptedBy and termsAcceptedAt (who accepted the terms, when)
//	an org's messages, newest first           Query PK=ORG#<orgId>, SK BETWEEN MESSAGE# AND MESSAGE#+U+10FFFF,
//	  (a program's: kept by audience)           ScanIndexForward=false (message ids sort by time), FilterExpression
//	                                            status when asked; at most 5 pages a request; counts by GetItem
//	discard a draft                           DeleteItem PK=ORG#<orgId>, SK=MESSAGE#<id> under status=draft
//	an org's messaging settings (the cap)     GetItem / PutItem PK=ORG#<orgId>, SK=MESSAGING
//	a page of a message's audience            the members view's query (GSI1 by email, per program, contract,
//	                                          course), or BatchGetItem of learners picked by hand
//	the per-learner cap of an org's messages  BatchGetItem PK=CONTACT#<email>, SK=CAP#<orgId>; PutItem on
//	                                          version=read (attribute_not_exists for the first)
//	plan one recipient of a message once      PutItem   PK=CAMPAIGN#<campaign>#<s>, SK=TO#<email>
//	                                          attribute_not_exists(PK), returning the old record on failure
//	count a planned page once                 TransactWrite: Put CAMPAIGN#<campaign>/PAGE#<page>
//	                                          attribute_not_exists, ADD to CAMPAIGN#<campaign>/COUNTS
//	every program of every org (reminders)    Query GSI1 PK=PROGRAMS#<n> for n in 0..ProgramShards-1 in turn,
//	                                            SK > <orgId>#<programId> of the last program done, a page at a time
//	a program's pending invitations sent      Query GSI4 PK=PROGRAM#<pid>#INVITED#<s> for each shard s in turn,
//	  in a window [from, to) (reminders)        SK BETWEEN <from ms> AND <to ms> (13 digits: "<to ms>" sorts before
//	                                            every "<to ms>#<email>"), after the last invitation done, a page at a
//	                                            time; BatchGetItem of the page's invitations
//	switch a program's reminder, record its   UpdateItem PK=ORG#<orgId>, SK=PROGRAM#<id> attribute_exists(PK)
//	  last run
//	plan one reminder once (first run wins)   TransactWrite: ConditionCheck learner state=INVITED AND invitationId,
//	                                          Put reminder attribute_not_exists(PK), ADD planned and the outcome to
//	                                          CAMPAIGN#reminder/<orgId>/<pid>/<date>
//	take over / mark queued a reminder        UpdateItem PK=REMINDER#... runId = <old> AND attribute_not_exists(queuedAt)
//	where the run of a Saturday stands        GetItem / PutItem PK=REMINDERRUN#<date>, SK=RUN (put under done <> true)
//	an address's standing in every program    Query GSI6 PK=EMAIL#<email>, SK begins_with PROGRAM# (bounce and complaint
//	                                          feedback; personal-data export and erasure, kept to the org's items)
//	the invitation links naming a person      Query GSI6 PK=EMAIL#<email>, SK begins_with TOKEN# (erasure)
//	a personal-data export or erasure         GetItem / PutItem PK=ORG#<orgId>, SK=DATAEXPORT#<id> or ERASURE#<id>
//	                                          (attribute_not_exists to create, attribute_exists to update)
//	a person's exports in the org             Query     PK=ORG#<orgId>, SK begins_with DATAEXPORT#, filter subject=<digest>
//	erase a person: the tombstone             PutItem   PK=ORG#<orgId>, SK=ERASED#<digest> attribute_not_exists (the first
//	                                          erasure's anonymous id stands); DeleteItem by a single invitation
//	is this row / recipient erased            BatchGetItem PK=ORG#<orgId>, SK=ERASED#<digest> (an import's chunk; the mailer,
//	                                          one key an email)
//	a person's deliveries in the org          Query PK=ORG#<orgId>, SK begins_with MESSAGE#; BatchGetItem of
//	                                          CAMPAIGN#message/<orgId>/<id>#<s> / TO#<email> for each message
//	anonymise a learner (erasure)             TransactWrite: Delete learner attribute_exists(PK), Put it under the
//	                                          anonymous address attribute_not_exists(PK), Delete its two reminders,
//	                                          Delete each enrollment attribute_exists(PK) and Put it anonymous
//	                                          attribute_not_exists(PK): a second run fails its condition and
//	                                          changes nothing; no counter moves. Beyond 48 enrollments, the
//	                                          extra ones first, 50 a TransactWrite of their own (resumable)
//	member jobs whose selection named a       Query PK=PROGRAM#<pid>, SK begins_with EXPORT# (each program of the
//	  person (erasure)                          org); UpdateItem SET search, emails attribute_exists(PK)
//	the audit records naming a person         Query PK=AUDIT#<orgId>#ACTOR#<email> and ...#TARGET#<type>#<id> for
//	  (export, erasure)                         their invitation, member, admin and enrollment targets (each
//	                                            spelling of the address) and the messages picked for them (the
//	                                            org's MESSAGE# Query, audience matched), every page, ConsistentRead
//	anonymise an audit record (erasure)       TransactWrite: Delete each copy whose partition named the person
//	                                            attribute_exists(PK), Put it under the anonymous address's; Put
//	                                            the other copies over themselves attribute_exists(PK): a second
//	                                            run fails its condition and changes nothing
//	the files an org's jobs name (erasure)    Query PK=ORG#<orgId>, SK begins_with REPORT# and PROGRAM#; for each
//	                                          program Query PK=PROGRAM#<pid>, SK begins_with EXPORT# and IMPORT#;
//	                                          each import's parts Query IMPORTRESULT#<id>, rewritten with UpdateItem
//	                                          attribute_exists(PK)
//	mark a pending invitation undeliverable   TransactWrite: learner SET undeliverable under state=INVITED, the
//	                                          invitationId read and no mark yet; ADD undeliverable 1 on the
//	                                          invitation's import (PK=PROGRAM#<pid>, SK=UNDELIVERABLE#<importId>)
//	an import's undeliverable invitations     GetItem   PK=PROGRAM#<pid>, SK=UNDELIVERABLE#<importId>, read with
//	                                          the job (a count of its own: the running import rewrites its job)
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
//	an org's past reports                     Query     PK=ORG#<orgId>, SK begins_with REPORT# (jobs expire with their
//	                                                    files: a few a day), sorted by creation in memory
//	an org's weekly report schedule           GetItem   PK=ORG#<orgId>, SK=REPORT_SCHEDULE
//	set it (and the days it runs on)          TransactWrite: Put the schedule, Put a ScheduleDay item for each
//	                                          chosen day, Delete those of the other days
//	the orgs whose report is due on a day     Query     PK=REPORT_DAY#<day> (day: MONDAY..SUNDAY), paginated
//	an org's profile claim mapping (joins     GetItem / PutItem PK=ORG#<orgId>, SK=PROFILE_CLAIMS
//	  read it; org admins set it)
//	the course library: items by id (a load  BatchGetItem PK=LIBRARY#<id>, SK=ITEM
//	  reads its items and their courses)
//	a library item (add it to a collection)   GetItem   PK=LIBRARY#<id>, SK=ITEM
//	load (upsert) a library item              TransactWrite: Put the item attribute_not_exists(PK) (new) or
//	                                          version=read, Put each term LIBTERM#<t2>/<term>#<id>, Delete the
//	                                          terms the item no longer has
//	search the library by name or university  Query     PK=LIBTERM#<first two runes of the query>, SK begins_with
//	  prefix (each term carries its item)               <normalised query>, Limit a page, FilterExpression on
//	                                                    itemType when a type is asked
//	a program's per-item enrolled and         Query     PK=PROGRAM#<pid>, SK begins_with ITEMCOUNT#; written by
//	  completed counts (its catalogue)                  the enrollment transactions (ADD enrolled 1 / -1) and a
//	                                                    first completion's (ADD completed 1), unconditionally
//	delete a program's per-item counts        the same Query, then BatchWriteItem deletes, after the program's
//	                                          deletion
//	keep the daily roll-ups (trends)          in the transaction of the write that changes them (join, enroll,
//	                                          progress): UpdateItem ADD joins / enrollments / learningMinutes,
//	                                          completions on TREND#<orgId> and TREND#<orgId>#<pid>, SK=DAY#<UTC day>,
//	                                          no condition (the first write of a day creates the item)
//	an org's or a program's trends, a range   Query     PK=TREND#<orgId>[#<pid>], SK BETWEEN DAY#<from> AND DAY#<to>
//	                                          (at most 731 small items: one page)
//	record a change with the change           the change's own TransactWriteItems (a single write becomes one)
//	  (audit log)                               plus a Put of each copy of the record: AUDIT#<orgId>, its actor's,
//	                                            action's, target's and program's partitions (no condition; the
//	                                            change's conditions decide for both); bulk work's outcome (a
//	                                            domain import, an import's end) with its last write or alone
//	an org's log, newest first, a time range  Query PK=AUDIT#<orgId>, SK BETWEEN <from ms> AND <to ms>,
//	                                            ScanIndexForward=false, Limit = the page
//	  by target (type and id)                 Query PK=AUDIT#<orgId>#TARGET#<type>#<id>, same SK range; actor,
//	                                            action and a program admin's programs as a FilterExpression
//	  by actor                                Query PK=AUDIT#<orgId>#ACTOR#<actor>; action, target type, programs
//	                                            as a FilterExpression
//	  by action                               Query PK=AUDIT#<orgId>#ACTION#<action>; target type, programs filtered
//	  by program (or a program admin of one)  Query PK=AUDIT#<orgId>#PROGRAM#<pid>; target type filtered
//	  by target type alone, or a program      Query PK=AUDIT#<orgId> with FilterExpression targetType = or
//	    admin of several programs               programId IN (...)
//	                                          A filtered query reads at most 1,000 records (Limit) and cuts the page at
//	                                          its size, the cursor then the last record returned: one Query a page
//	a migration's progress                    GetItem   PK=MIGRATION#<id>, SK=MIGRATION; PutItem attribute_not_exists
//	                                          (start); UpdateItem SET cursors[<segment>] under cursors[<segment>] =
//	                                          the cursor read, ADD scanned, changed (a page); status=done under
//	                                          every cursor done
//	migrate the table's items (OFFLINE        Scan, parallel segments (4 by default), Limit 100 a page, a
//	  maintenance job only: the one Scan,       FilterExpression on the item type and the key the migration adds;
//	  never on a request path)                  each item changed by an UpdateItem conditional on still needing it
//	                                            (attribute_not_exists of the new key, or the key as read), so a page
//	                                            done twice changes nothing. Only dynamo.Migrations has Scan.
//
// The members view, status by sort: the index is the sort's (email GSI1,
// name GSI2, joined GSI3, invited GSI4, activity GSI5, enrollments GSI7,
// completions GSI8) and the partition
// the status's state (invited_not_joined INVITED, removed DELETED_MEMBER,
// the others MEMBER). "<cut" is the SK range BETWEEN \x00 AND <cut ms>,
// where cut is the first millisecond of the UTC day of now minus the
// window (inactive N days: no activity since the start of that day, for
// which the GSI5 key, a day, is exact): the join and invitation dates are
// at most the last activity (the GSI5 key is the day of the latest of the
// three, and cut a day's start), so an inactive member's GSI3 and GSI4
// keys are below the cut too.
//
// Sorted by enrollments (GSI7) or completions (GSI8), every status is
// read as under "sort joined or invited" without a key range (its search
// and its filters filtered, the inactivity windows by the projected GSI5
// key), except no_completions by completions: SK < "0000000001" (a count
// of 0), the filter then only "enrolled".
//
//	status                sort email or name       sort joined or invited     sort activity
//	joined,               all keys (search: SK     all keys; search filtered  all keys; search filtered
//	invited_not_joined,     begins_with it)
//	removed
//	no_enrollments,       all keys; filter         all keys; filter           all keys; filter
//	no_completions
//	inactive_30_days      all keys; filter         SK <cut; filter            SK <cut (the window itself);
//	                        activity<cut,            activity<cut, enrolled     filter enrolled
//	                        enrolled
//	inactive_90_days      all keys; filter         SK <cut; filter            SK <cut; no filter
//	                        activity<cut             activity<cut
//	completed_30_days     all keys; filter         all keys; filter           all keys; filter
//	                        lastCompletionMs         lastCompletionMs           lastCompletionMs >= since
//	                        >= since                 >= since                   (no key range: a completion's
//	                                                                            completedAt may be later than
//	                                                                            its event's occurredAt, the
//	                                                                            last activity)
//
// contractId and courseId are always filters. What remains a filter over a
// large range can spend a request's budget (1,000 items a shard) with few
// or no matches and answer a short or empty page with a cursor: inactive
// windows sorted by email or name, completed_30_days under any sort, and
// contract and course filters; an export reads such a range whole.
//
// Limits and counters: a contract's "used" licences and an org's counters
// change only in conditional updates or transactions; "used" counts a
// contract's members on either licence kind and "enrollmentLicences" its
// members' first enrollments in an item: the licences in use of a
// per-enrollment contract (licenceKind=enrollment; absent means
// membership), whose joins are not capped; the org's count of org
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
// PROGRAM#<programId> holds at most 50 collections, the import jobs and the
// member exports, written by admins (an export's run writes its item about
// once every 2,000 rows). A program's learners are the key that bulk work makes
// hot: a 100,000-row import writes two items a row (learner and token), so
// one key value would cap it near 500 rows a second; LearnerShards = 8 lifts
// the ceiling to about 8,000 writes a second in the table and in each index,
// above what one import Lambda drives. Tokens and mail claims are one key
// value each. CONTACT#<email> is one address's few records, and EMAIL#<email>
// in GSI6 one person's few programs; UNDELIVERABLE#<importId> takes one write
// per bounced invitation of the import. A campaign's counts item takes one
// write per email the mailer sends (far below the ceiling at SES send rates)
// and one per planned batch; a reminder campaign, one per reminder planned,
// at the run's pace (8 claims in flight). PROGRAMS#<n> holds every program of
// the platform: written once per program created or switched, read once a
// week by the reminders a page at a time; ProgramShards = 4 keeps each value
// to a quarter of the programs. A reminder and a Saturday's run record are one
// key value each. A contact's message caps are one item per org. A message's
// fan-out writes one delivery record a recipient: on one key value it would
// cap planning near 1,000 recipients a second, so they are spread over
// LearnerShards keys by the address's shard (about 8,000 a second). Message
// items are a few per admin action under ORG#<orgId>; the planner writes its
// message twice (sending, sent). A report reads a program's
// learner partitions (8 key values, in parallel), well under their read
// ceiling; report jobs and schedules are a few admin-paced writes in
// ORG#<orgId> (a job's progress is written once per 10,000 rows).
// MIGRATION#<id> takes one write per page of each segment of a running
// migration (four segments by default, a few pages a second).
// REPORT_DAY#<day> holds one small item per org reporting that weekday:
// written when a schedule changes, read once a day.
// LIBRARY#<id> is one item, written by operators' loads. LIBTERM#<t2> holds
// the terms starting with two runes (a library of 10,000 items has about
// 100,000 terms over hundreds of such values); loads write them at the
// pace of one transaction per changed item, 4 at a time, and admins read
// them one Query a search. ITEMCOUNT#<itemId> takes one write per
// enrollment, unenrollment and first completion of the item in the
// program: human-paced, far below a key value's ceiling.
// TREND#<orgId> and TREND#<orgId>#<pid> take one write per day item for each
// join, enrollment and activity event that adds minutes or a completion: the
// same rate as the org's and program's counter items (ORG#<orgId>), which
// every such write already updates, spread over a new item each UTC day.
// AUDIT#<orgId> and its copies take one write each per change an admin
// makes (admin-paced) and per background outcome; an org's records carry
// expiresAt (the stage's retention, 400 days by default), so the partitions
// stay bounded.

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

// ProgramShards is how many partition key values the index of every
// program (GSI1 PROGRAMS#<n>) is spread over.
const ProgramShards = 4

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
	prefixExport  = "EXPORT#"
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
// and last activity: the UTC day (its first millisecond) of the latest of
// activity, joining and invitation. The day, not the instant, so that a
// learner's GSI5 key, and GSI1 to GSI4's copy of it, change on their first
// activity of a day only, not on every activity event.
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
	g5 = fmt.Sprintf("%013d#%s", activityDay(max(ms(activity), ms(joined), ms(invited))), emailKey)
	return g3, g4, g5
}

// learnerCountKey returns a learner's GSI7 or GSI8 sort key: a count (of
// enrollments or of completions) zero-padded to 10 digits, so that keys
// sort as the counts do, then the email.
func learnerCountKey(n int, emailKey string) string {
	return countCut(max(n, 0)) + "#" + emailKey
}

// countCut is the GSI7 or GSI8 sort key below which a learner's count is
// less than n: "<n>" sorts before every "<n>#<email>".
func countCut(n int) string { return fmt.Sprintf("%010d", n) }

// activityDay returns the first millisecond of the UTC day of the epoch
// millisecond ms.
func activityDay(ms int64) int64 {
	const day = 24 * 60 * 60 * 1000
	return ms - ms%day
}

// activityCut is the GSI5 sort key below which a learner's last activity
// is before the UTC day of t: "<day ms>" sorts before every "<day ms>#<email>".
func activityCut(t time.Time) string { return fmt.Sprintf("%013d", activityDay(t.UnixMilli())) }

// programShard returns the shard of a program in the index of every program.
func programShard(programID string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(programID))
	return int(h.Sum32() % ProgramShards)
}

// programIndexPK is the GSI1 partition key of a shard of the index of
// every program.
func programIndexPK(shard int) string { return fmt.Sprintf("PROGRAMS#%d", shard) }

// programIndexKeys returns the GSI1 keys of a program: its shard, then its
// org and id.
func programIndexKeys(orgID, programID string) (gsi1pk, gsi1sk string) {
	return programIndexPK(programShard(programID)), orgID + "#" + programID
}

// invitedSortKey is the lowest GSI4 sort key of an invitation sent at or
// after t: "<ms>" sorts before every "<ms>#<email>".
func invitedSortKey(t time.Time) string { return fmt.Sprintf("%013d", t.UnixMilli()) }

func reminderKey(programID, emailKey string, sent time.Time, n int) key {
	return key{PK: fmt.Sprintf("REMINDER#%s#%s#%d#%d", programID, emailKey, sent.UnixMilli(), n), SK: "REMINDER"}
}
func reminderRunKey(date string) key { return key{PK: "REMINDERRUN#" + date, SK: "RUN"} }

func tokenKey(tokenHash string) key { return key{PK: "TOKEN#" + tokenHash, SK: "TOKEN"} }
func importKey(programID, importID string) key {
	return key{PK: programPK(programID), SK: prefixImport + importID}
}
func importResultKey(importID string, chunk, part int) key {
	pk, prefix := importResultPrefix(importID)
	return key{PK: pk, SK: fmt.Sprintf("%s%07d#%02d", prefix, chunk, part)}
}

// importResultPrefix is the partition of an import's result parts and the
// prefix of their sort keys.
func importResultPrefix(importID string) (pk, skPrefix string) {
	return "IMPORTRESULT#" + importID, "PART#"
}
func exportKey(programID, exportID string) key {
	return key{PK: programPK(programID), SK: prefixExport + exportID}
}
func domainKey(programID, asciiDomain string) key {
	return key{PK: programPK(programID), SK: prefixDomain + asciiDomain}
}

// mailClaimKey is keyed by the digest of the email's id, as ids name their
// recipients.
func mailClaimKey(emailID string) key {
	h := sha256.Sum256([]byte(emailID))
	return key{PK: "MAIL#" + hex.EncodeToString(h[:]), SK: "MAIL"}
}

func suppressionKey(emailKey string) key { return key{PK: "CONTACT#" + emailKey, SK: "SUPPRESSED"} }
func optOutKey(emailKey, orgID string) key {
	return key{PK: "CONTACT#" + emailKey, SK: "OPTOUT#" + orgID}
}
func campaignKey(campaign string) key { return key{PK: "CAMPAIGN#" + campaign, SK: "COUNTS"} }

// emailIndexPK is the GSI6 partition key of one person's learner items.
func emailIndexPK(emailKey string) string { return "EMAIL#" + emailKey }

// tokenIndexSK is the GSI6 sort key of an invitation link of the program:
// beside the person's learner items (PROGRAM#), below them in the index.
func tokenIndexSK(programID string) string { return "TOKEN#" + programID }

// emailIndexKeys returns a learner's GSI6 keys: the person, then the program.
func emailIndexKeys(emailKey, programID string) (pk, sk string) {
	return emailIndexPK(emailKey), programPK(programID)
}

// importBouncesKey is the count of an import's invitations marked
// undeliverable, beside the job (not in it: the running import rewrites its
// job whole).
func importBouncesKey(programID, importID string) key {
	return key{PK: programPK(programID), SK: "UNDELIVERABLE#" + importID}
}

func messageKey(orgID, messageID string) key {
	return key{PK: orgPK(orgID), SK: "MESSAGE#" + messageID}
}
func messagingSettingsKey(orgID string) key { return key{PK: orgPK(orgID), SK: "MESSAGING"} }
func capKey(emailKey, orgID string) key     { return key{PK: "CONTACT#" + emailKey, SK: "CAP#" + orgID} }

// deliveryKey spreads a campaign's delivery records over LearnerShards
// partitions by the address's shard, as a program's learners are.
func deliveryKey(campaign, emailKey string) key {
	return key{PK: fmt.Sprintf("CAMPAIGN#%s#%d", campaign, learnerShard(emailKey)), SK: "TO#" + emailKey}
}
func campaignPageKey(campaign, page string) key {
	return key{PK: "CAMPAIGN#" + campaign, SK: "PAGE#" + page}
}

const (
	prefixReport   = "REPORT#"
	prefixSchedDay = "REPORT_DAY#"
)

func reportKey(orgID, reportID string) key { return key{PK: orgPK(orgID), SK: prefixReport + reportID} }
func scheduleKey(orgID string) key         { return key{PK: orgPK(orgID), SK: "REPORT_SCHEDULE"} }

// claimMappingKey is an org's mapping of sign-in claims to profile fields.
func claimMappingKey(orgID string) key { return key{PK: orgPK(orgID), SK: "PROFILE_CLAIMS"} }

// scheduleDayKey is the item that lists the org under a weekday
// ("MONDAY"), for the daily run.
func scheduleDayKey(day, orgID string) key { return key{PK: prefixSchedDay + day, SK: orgPK(orgID)} }

// libraryItemKey is an item of the course library.
func libraryItemKey(itemID string) key { return key{PK: "LIBRARY#" + itemID, SK: "ITEM"} }

// libraryTermPrefix returns the partition of the terms starting like the
// normalised prefix (its first two runes), and the prefix their sort keys
// begin with.
func libraryTermPrefix(prefix string) (pk, skPrefix string) {
	r := []rune(prefix)
	return "LIBTERM#" + string(r[:min(2, len(r))]), prefix
}

// libraryTermKey is one search term of a library item.
func libraryTermKey(term, itemID string) key {
	pk, _ := libraryTermPrefix(term)
	return key{PK: pk, SK: term + "#" + itemID}
}

// itemCountsPrefix is the partition of a program's per-item counts and the
// prefix of their sort keys.
func itemCountsPrefix(programID string) (pk, skPrefix string) {
	return programPK(programID), "ITEMCOUNT#"
}

// itemCountsKey is the enrolled and completed counts of an item in a program.
func itemCountsKey(programID, itemID string) key {
	pk, prefix := itemCountsPrefix(programID)
	return key{PK: pk, SK: prefix + itemID}
}

// migrationKey is the progress of one migration of the table's items.
func migrationKey(id string) key { return key{PK: "MIGRATION#" + id, SK: "MIGRATION"} }

const prefixAudit = "AUDIT#"

// auditPK is the partition of every record of an org's audit log.
func auditPK(orgID string) string { return prefixAudit + orgID }

// auditSK orders an org's records by time (13-digit epoch ms), then id.
func auditSK(at time.Time, id string) string { return fmt.Sprintf("%013d#%s", at.UnixMilli(), id) }

// auditTimeKey is the sort key below every record at or after t:
// "<ms>" sorts before every "<ms>#<id>".
func auditTimeKey(t time.Time) string { return fmt.Sprintf("%013d", t.UnixMilli()) }

// The copies of a record that serve the log's filters, one partition each:
// by actor, by action, by target and by program.
func auditActorPK(orgID, actorKey string) string { return auditPK(orgID) + "#ACTOR#" + actorKey }
func auditActionPK(orgID, action string) string  { return auditPK(orgID) + "#ACTION#" + action }
func auditTargetPK(orgID, targetType, targetID string) string {
	return auditPK(orgID) + "#TARGET#" + targetType + "#" + targetID
}
func auditProgramPK(orgID, programID string) string { return auditPK(orgID) + "#PROGRAM#" + programID }

// trendPK is the partition of an org's daily roll-ups (programID "") or of
// one of its programs'.
func trendPK(orgID, programID string) string {
	if programID == "" {
		return "TREND#" + orgID
	}
	return "TREND#" + orgID + "#" + programID
}

// trendKey is the roll-up of an org (programID "") or program for the UTC
// day of at.
func trendKey(orgID, programID string, at time.Time) key {
	return key{PK: trendPK(orgID, programID), SK: trendSK(at)}
}

// trendSK is the sort key of the roll-up of at's UTC day: DAY#<yyyy-mm-dd>,
// which sorts by day.
func trendSK(at time.Time) string { return "DAY#" + at.UTC().Format("2006-01-02") }

const (
	prefixDataExport = "DATAEXPORT#"
	prefixErasure    = "ERASURE#"
	prefixErased     = "ERASED#"
)

// privacyJobKey is a personal-data export or erasure of the org.
func privacyJobKey(orgID string, erasure bool, id string) key {
	if erasure {
		return key{PK: orgPK(orgID), SK: prefixErasure + id}
	}
	return key{PK: orgPK(orgID), SK: prefixDataExport + id}
}

// tombstoneKey marks a person erased from the org, by their digest
// (backoffice.PersonDigest), never their address.
func tombstoneKey(orgID, digest string) key { return key{PK: orgPK(orgID), SK: prefixErased + digest} }
