package invite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/mail"
)

const (
	// runChunk is the most rows one chunk holds: memory holds three chunks
	// (one committing, one prepared, one being read), and progress is
	// written once a chunk.
	runChunk = 250
	// ChunkWrites is the most writes of a chunk's transaction: DynamoDB's
	// limit of items in one TransactWriteItems. A chunk is closed before
	// its writes would pass it: one per new invitation, one per link (with
	// emails), chunkFixedWrites, and one per ResultPartBytes of its result
	// lines.
	ChunkWrites = 100
	// chunkFixedWrites are the writes of every chunk with new invitations:
	// the program's, the contract's and the org's counters, and the job
	// with its counts and checkpoint.
	chunkFixedWrites = 4
	// ResultPartBytes is the most bytes of result lines one item of a
	// chunk holds (DynamoDB's items hold 400 KB).
	ResultPartBytes = 350_000
	// chunkResultBytes closes a chunk whose result lines may pass it, so
	// that a transaction stays well under DynamoDB's 4 MB.
	chunkResultBytes = 1 << 20
	// runWriters is how many emails of a chunk are marked queued at once.
	runWriters = 16
	// runReserve is the time a run keeps before its deadline to finish the
	// result file and record the job.
	runReserve = 30 * time.Second
	// chunkAttempts bounds the transactions of one chunk: each attempt
	// after the first leaves out or re-conditions the rows whose
	// condition failed, read again.
	chunkAttempts = 6
)

// ErrJobMoved is CommitChunk's error when the stored job is no longer at
// the checkpoint the run read, or no longer queued or running: another run
// of the import is ahead. Nothing was written.
var ErrJobMoved = errors.New("the import's checkpoint moved: another run of it is ahead")

// RowConflicts is CommitChunk's error when the condition of some
// invitations failed (the person is invited, a member, or changed since
// read): nothing was written. Rows are indexes into ChunkCommit.Rows.
type RowConflicts struct {
	Rows []int
}

func (e *RowConflicts) Error() string {
	return fmt.Sprintf("%d rows of the chunk met an invitation or member", len(e.Rows))
}

// ChunkRow is a new invitation of a chunk.
type ChunkRow struct {
	Learner bo.Learner
	// Prev is the removed learner, as read, that the invitation replaces
	// (keeping their history); nil for a person with no standing.
	Prev *bo.Learner
	// Token is the invitation's link, when emails are sent.
	Token *bo.InviteToken
}

// ChunkCommit is one chunk of an import, written all or nothing.
type ChunkCommit struct {
	// Job is the job after the chunk: its counts and checkpoint.
	Job Job
	// Prev is the checkpoint's Chunks the stored job must be at.
	Prev int
	// Rows are the chunk's new invitations.
	Rows []ChunkRow
	// Results are the chunk's lines of the result file, in parts of at
	// most ResultPartBytes, stored under the chunk's number
	// (Job.Checkpoint.Chunks).
	Results [][]byte
}

// RowStore is what a running import writes with.
type RowStore interface {
	// CommitChunk writes, in one transaction: each row's invitation (on no
	// learner, or on Prev as read) and link, the program's, contract's
	// and org's counters moved by the number of rows, the result parts,
	// and the job, on condition that the stored job is at c.Prev and
	// queued or running. It returns *RowConflicts when rows' conditions
	// failed, ErrJobMoved when the job's did, and ENOTFOUND when the
	// program, contract or org no longer exists; in each case nothing was
	// written.
	CommitChunk(ctx context.Context, c ChunkCommit) error
	// ImportResults calls fn with each result part of the import's
	// committed chunks, in the order of the file, and returns fn's error
	// or the table's.
	ImportResults(ctx context.Context, importID string, fn func(part []byte) error) error
	// GetLearners returns the program's learners among the email keys, by key.
	GetLearners(ctx context.Context, programID string, emailKeys []string) (map[string]bo.Learner, error)
}

// Source reads uploaded files and writes result files.
type Source interface {
	Open(ctx context.Context, key string) (io.ReadCloser, int64, error)
	Writer(ctx context.Context, key, contentType string) io.WriteCloser
}

// Runner processes uploaded import files: the invitation-import function.
type Runner struct {
	svc    *Service
	jobs   JobStore
	rows   RowStore
	src    Source
	logger *slog.Logger
}

// NewRunner returns a Runner.
func NewRunner(svc *Service, jobs JobStore, rows RowStore, src Source, logger *slog.Logger) *Runner {
	return &Runner{svc: svc, jobs: jobs, rows: rows, src: src, logger: logger}
}

// rowResult is one row of a chunk and what became of it.
type rowResult struct {
	row     CSVRow
	email   bo.Email
	outcome Outcome
	reason  string
	learner bo.Learner
	// prev is the removed learner the invitation replaces, as read.
	prev  *bo.Learner
	token string
	tok   *bo.InviteToken
	// write is set on a row whose invitation the chunk's transaction
	// writes; needsEmail on an invitation whose email is to be queued.
	write      bool
	needsEmail bool
}

// Run processes the uploaded file of an import job: it refuses a file
// over the size or row limit or with wrong headers as a whole, then reads
// the rows in chunks and commits each chunk in one transaction: its new
// invitations (in a dry run none: it only looks them up), the counters
// they move, its lines of the result file and the job's counts and
// checkpoint. It then queues the chunk's emails. At the end it writes the
// result file from the committed lines.
//
// A run of a job that another run left running (a crash, a time-out, a
// redelivered event) resumes after the last chunk committed, with the
// counts stored with it: no row is written, counted or reported twice, and
// emails of the last chunk that were not queued are. Of two runs of one
// job at once, the one that falls behind stops. A job already done or
// failed is left as it is. It returns an error only when the job cannot be
// read or written, or storage fails mid-run (the job is then left running,
// and a retry resumes it).
func (r *Runner) Run(ctx context.Context, programID, importID string) error {
	j, err := r.jobs.GetImport(ctx, programID, importID)
	if err != nil {
		return fmt.Errorf("import %s/%s: %w", programID, importID, err)
	}
	if j.Status == JobDone || j.Status == JobFailed {
		r.logger.InfoContext(ctx, "import already finished", slog.String("importId", j.ID), slog.String("status", string(j.Status)))
		return nil
	}
	now := r.svc.Now()
	if j.Checkpoint.Chunks == 0 {
		j.StartedAt = &now
		j.Counts = JobCounts{Outcomes: map[Outcome]int{}}
		j.Warnings, j.Error = []string{}, ""
	} else {
		r.logger.InfoContext(ctx, "import resumed", slog.String("importId", j.ID),
			slog.Int("chunks", j.Checkpoint.Chunks), slog.Int("afterRow", j.Checkpoint.Rows))
	}
	if j.Counts.Outcomes == nil {
		j.Counts.Outcomes = map[Outcome]int{}
	}
	j.Status, j.UpdatedAt = JobRunning, now
	if err := r.commitJob(ctx, &j); err != nil {
		return r.stopped(ctx, j, err)
	}
	if err := r.run(ctx, &j); err != nil {
		var refused *bo.Error
		if !errors.As(err, &refused) {
			return r.stopped(ctx, j, err) // storage failed: let the event be retried
		}
		j.Status, j.Error = JobFailed, refused.Message
	} else {
		j.Status = JobDone
	}
	end := r.svc.Now()
	j.FinishedAt, j.UpdatedAt = &end, end
	r.logger.InfoContext(ctx, "import finished", slog.String("importId", j.ID), slog.String("status", string(j.Status)),
		slog.Int("rows", j.Counts.RowsDone), slog.Any("outcomes", j.Counts.Outcomes), slog.String("error", j.Error))
	return r.stopped(ctx, j, r.commitJob(finished(ctx, j), &j))
}

// commitJob writes the job alone, at its checkpoint.
func (r *Runner) commitJob(ctx context.Context, j *Job) error {
	return r.rows.CommitChunk(ctx, ChunkCommit{Job: *j, Prev: j.Checkpoint.Chunks})
}

// stopped returns err, except ErrJobMoved: another run of the job is
// ahead, so this one stops quietly.
func (r *Runner) stopped(ctx context.Context, j Job, err error) error {
	if errors.Is(err, ErrJobMoved) {
		r.logger.InfoContext(ctx, "import stopped: another run of it is ahead", slog.String("importId", j.ID),
			slog.Int("chunks", j.Checkpoint.Chunks))
		return nil
	}
	return err
}

// check reads the whole file once to refuse it up front when it is too
// large, has more rows than allowed, wrong headers or a malformed record.
func (r *Runner) check(ctx context.Context, j Job) error {
	f, size, err := r.src.Open(ctx, j.FileKey())
	if err != nil {
		if bo.ErrorCode(err) == bo.ENOTFOUND {
			return bo.Errorf(bo.EINVALID, "the import file was not uploaded")
		}
		return err
	}
	defer f.Close()
	if size > MaxImportBytes {
		return bo.Errorf(bo.ETOOLARGE, "the file has %d bytes; an import file may have at most %d", size, MaxImportBytes)
	}
	cr, err := NewCSVReader(f)
	if err != nil {
		return err
	}
	for {
		if _, err := cr.Next(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// chunkBuilder gathers the rows of one chunk up to what one transaction
// holds.
type chunkBuilder struct {
	rows        []rowResult
	writes      int
	resultBytes int
	perRow      int // writes of a new invitation: 1, or 2 with its link
}

// fits reports whether res may join the chunk: an empty chunk takes any row.
func (c *chunkBuilder) fits(res rowResult) bool {
	if len(c.rows) == 0 {
		return true
	}
	if len(c.rows) >= runChunk {
		return false
	}
	writes := c.writes
	if res.outcome == OutcomeOK {
		writes += c.perRow
	}
	bytes := c.resultBytes + resultLineBound(res.row)
	parts := (bytes + ResultPartBytes - 1) / ResultPartBytes
	return bytes <= chunkResultBytes && writes+chunkFixedWrites+parts <= ChunkWrites
}

func (c *chunkBuilder) add(res rowResult) {
	c.rows = append(c.rows, res)
	if res.outcome == OutcomeOK {
		c.writes += c.perRow
	}
	c.resultBytes += resultLineBound(res.row)
}

// reset starts a new chunk in new memory: the one before may still be
// committing.
func (c *chunkBuilder) reset() {
	c.rows, c.writes, c.resultBytes = make([]rowResult, 0, runChunk), 0, 0
}

// resultLineBound is at most the bytes of a row's line in the result
// file: every field quoted with its quotes doubled and a leading quote,
// and an outcome and a reason.
func resultLineBound(row CSVRow) int {
	n := 256
	for _, f := range row.Record {
		n += 2*len(f) + 4
	}
	return n
}

func (r *Runner) run(ctx context.Context, j *Job) error {
	if err := r.check(ctx, *j); err != nil {
		return err
	}
	program, err := r.svc.store.GetProgram(ctx, j.OrgID, j.ProgramID)
	if err != nil {
		return err
	}
	contract, err := r.svc.store.GetContract(ctx, j.OrgID, j.ContractID)
	if err != nil {
		return err
	}
	if contract.Status(r.svc.Now()) == bo.ContractExpired {
		return bo.Errorf(bo.ECONFLICT, "contract %s has expired; import against an active contract", contract.Name)
	}
	org, err := r.svc.store.GetOrg(ctx, j.OrgID)
	if err != nil {
		return err
	}
	f, _, err := r.src.Open(ctx, j.FileKey())
	if err != nil {
		return err
	}
	defer f.Close()
	cr, err := NewCSVReader(f)
	if err != nil {
		return err
	}
	// Two stages: one reads the file and prepares each chunk (outcomes,
	// erasure and dry-run look-ups, the new invitations), the other commits
	// the chunks one after another, in order. The next chunk is prepared
	// while one commits, so the table sees the transactions back to back.
	// The reader works on a copy of the job, of which it reads only what
	// a run does not change.
	width := len(cr.Header())
	job := *j
	steps := make(chan step, 1)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(steps)
		return r.read(gctx, &job, cr, steps)
	})
	g.Go(func() error {
		for st := range steps {
			if err := r.commitStep(gctx, j, org, program, st, width); err != nil {
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return err
	}
	if err := r.writeResults(ctx, *j, cr.Header()); err != nil {
		return err
	}
	j.Warnings = r.licenceWarnings(ctx, *j, contract)
	return nil
}

// step is one step of a run: a chunk prepared to commit (its rows and the
// file's offset just past it), or the rows of the last chunk a crashed run
// committed, whose emails are to be queued again (requeue).
type step struct {
	rows    []rowResult
	end     int64
	requeue bool
}

// read reads the file's rows after the job's checkpoint into chunks,
// prepares each and sends it on steps, in the file's order. The rows of
// committed chunks are read again, not written: the duplicate tracker
// needs every earlier email. With emails, those of the last committed
// chunk are sent to be checked for a run that died before queueing them.
// j is the reader's own copy of the job.
func (r *Runner) read(ctx context.Context, j *Job, cr *CSVReader, steps chan<- step) error {
	send := func(st step) error {
		select {
		case steps <- st:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	var dups CSVDuplicates
	resumeAt, lastFrom := j.Checkpoint.Rows, j.Checkpoint.Rows-j.Checkpoint.LastRows
	var requeue []rowResult
	chunk := chunkBuilder{perRow: 1}
	if j.SendEmails {
		chunk.perRow = 2
	}
	if j.DryRun {
		chunk.perRow = 0
	}
	chunk.reset()
	flush := func() error {
		if len(chunk.rows) == 0 {
			return nil
		}
		if err := r.prepare(ctx, j, chunk.rows); err != nil {
			return err
		}
		err := send(step{rows: chunk.rows, end: cr.BytesRead()})
		chunk.reset()
		return err
	}
	for {
		row, err := cr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		res := rowResult{row: row}
		res.email, res.outcome, res.reason = dups.Check(row)
		if row.Number <= resumeAt {
			if j.SendEmails && !j.DryRun && row.Number > lastFrom && res.outcome == OutcomeOK {
				requeue = append(requeue, res)
			}
			if row.Number == resumeAt && len(requeue) > 0 {
				if err := send(step{rows: requeue, requeue: true}); err != nil {
					return err
				}
				requeue = nil
			}
			continue
		}
		if !chunk.fits(res) {
			if err := flush(); err != nil {
				return err
			}
		}
		chunk.add(res)
	}
	return flush()
}

// commitStep runs one step on the job: it queues a crashed run's emails
// again, or commits a prepared chunk, unless too little time is left.
func (r *Runner) commitStep(ctx context.Context, j *Job, org bo.Org, program bo.Program, st step, width int) error {
	if st.requeue {
		return r.requeue(ctx, j, org, program, st.rows)
	}
	// Stop with time to spare rather than be cut off by the function's
	// time limit; the job stays running and a retry resumes it.
	if deadline, ok := ctx.Deadline(); ok && deadline.Sub(r.svc.Now()) < runReserve {
		return fmt.Errorf("import %s ran out of time after %d rows; a retry resumes it", j.ID, j.Counts.RowsDone)
	}
	return r.chunk(ctx, j, org, program, st.rows, st.end, width)
}

// writeResults writes the result file: the header and the committed
// chunks' lines, in order.
func (r *Runner) writeResults(ctx context.Context, j Job, header []string) error {
	out := r.src.Writer(ctx, j.ResultKey(), "text/csv")
	results, err := NewCSVResultWriter(out, header)
	if err == nil {
		err = results.Flush()
	}
	if err == nil {
		err = r.rows.ImportResults(ctx, j.ID, func(part []byte) error {
			_, err := out.Write(part)
			return err
		})
	}
	if err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write the results of import %s: %w", j.ID, err)
	}
	return nil
}

// requeue queues the emails of invitations of the last committed chunk
// that the run which committed it did not queue (it died in between).
func (r *Runner) requeue(ctx context.Context, j *Job, org bo.Org, program bo.Program, rows []rowResult) error {
	idx := make([]int, len(rows))
	for i := range rows {
		idx[i] = i
	}
	if err := r.lookUp(ctx, j, rows, idx, true); err != nil {
		return err
	}
	return r.queueEmails(ctx, org, program, rows)
}

// prepare decides what it can of a chunk's rows before the chunk is
// committed: the rows of erased people; in a dry run the outcome of every
// valid row, by looking the learners up; for real the new invitation (and
// link) of every valid row, to be written. j is read for the job's
// identity and settings only.
func (r *Runner) prepare(ctx context.Context, j *Job, rows []rowResult) error {
	var valid []int
	for i := range rows {
		if rows[i].outcome == OutcomeOK {
			valid = append(valid, i)
		}
	}
	valid, err := r.skipErased(ctx, j, rows, valid)
	if err != nil || len(valid) == 0 {
		return err
	}
	if j.DryRun {
		return r.lookUp(ctx, j, rows, valid, false)
	}
	now := r.svc.Now()
	for _, i := range valid {
		res := &rows[i]
		res.learner = bo.Learner{
			OrgID: j.OrgID, ProgramID: j.ProgramID, Email: res.email.Display, EmailKey: res.email.Key,
			FullName: res.row.FullName, ExternalID: res.row.ExternalID, Profile: res.row.Profile, State: bo.StateInvited, ContractID: j.ContractID,
			InvitationID: bo.NewID("inv", now), InvitedAt: &now, ImportID: j.ID, InvitationMessage: j.Message, CreatedAt: now, UpdatedAt: now,
		}
		if j.SendEmails {
			token, tok := r.svc.newToken(res.learner, now)
			res.token, res.tok = token, &tok
		}
		res.write = true
	}
	return nil
}

// chunk commits a prepared chunk (see prepare) and queues its emails. end
// is the offset in the file just past the chunk, width the header's. Rows
// whose invitation met one (someone invited or a member, or a removed
// learner) are read and the transaction tried again without them, or on
// the removed learner as read.
func (r *Runner) chunk(ctx context.Context, j *Job, org bo.Org, program bo.Program, rows []rowResult, end int64, width int) error {
	if j.DryRun {
		return r.commit(ctx, j, rows, end, width)
	}
	for attempt := 1; ; attempt++ {
		err := r.commit(ctx, j, rows, end, width)
		var conflicts *RowConflicts
		if !errors.As(err, &conflicts) {
			if err != nil {
				return err
			}
			break
		}
		if attempt == chunkAttempts {
			return fmt.Errorf("import %s, rows %d to %d: invitations kept changing under %d attempts; a retry resumes it",
				j.ID, rows[0].row.Number, rows[len(rows)-1].row.Number, attempt)
		}
		if err := r.lookUp(ctx, j, rows, conflicts.Rows, true); err != nil {
			return err
		}
	}
	return r.queueEmails(ctx, org, program, rows)
}

// skipErased gives the rows of people erased from the org (a tombstone
// stands) OutcomeErased, and returns the other valid rows.
func (r *Runner) skipErased(ctx context.Context, j *Job, rows []rowResult, valid []int) ([]int, error) {
	if r.svc.Erasures == nil || len(valid) == 0 {
		return valid, nil
	}
	keys := make([]string, len(valid))
	for n, i := range valid {
		keys[n] = rows[i].email.Key
	}
	erased, err := r.svc.Erasures.Erased(ctx, j.OrgID, keys)
	if err != nil || len(erased) == 0 {
		return valid, err
	}
	kept := valid[:0]
	for _, i := range valid {
		if erased[rows[i].email.Key] {
			rows[i].outcome, rows[i].reason = OutcomeErased,
				"this person's data was erased from the organisation; invite them one at a time to bring them back"
			continue
		}
		kept = append(kept, i)
	}
	return kept, nil
}

// commit commits the chunk with the outcomes decided (rows to write are
// invited), the job's counts and checkpoint after it, and its result lines
// (width is the header's). On success it moves j on; on an error j is as
// it was, and *RowConflicts names rows of the chunk.
func (r *Runner) commit(ctx context.Context, j *Job, rows []rowResult, end int64, width int) error {
	next := *j
	next.Counts.Outcomes = make(map[Outcome]int, len(j.Counts.Outcomes)+1)
	for o, n := range j.Counts.Outcomes {
		next.Counts.Outcomes[o] = n
	}
	var writes []ChunkRow
	var written []int // the row of each write
	var lines bytes.Buffer
	results := newCSVResultRows(&lines, width)
	for i := range rows {
		res := &rows[i]
		if res.write {
			res.outcome, res.reason, res.needsEmail = OutcomeInvited, "", j.SendEmails
			writes = append(writes, ChunkRow{Learner: res.learner, Prev: res.prev, Token: res.tok})
			written = append(written, i)
		}
		next.Counts.Outcomes[res.outcome]++
		if err := results.WriteRow(res.row, res.outcome, res.reason); err != nil {
			return err
		}
	}
	if err := results.Flush(); err != nil {
		return err
	}
	next.Counts.RowsDone += len(rows)
	next.Counts.RowsRead = next.Counts.RowsDone
	next.UpdatedAt = r.svc.Now()
	next.Checkpoint = Checkpoint{Chunks: j.Checkpoint.Chunks + 1, Rows: rows[len(rows)-1].row.Number, Bytes: end, LastRows: len(rows)}
	var parts [][]byte
	for b := lines.Bytes(); len(b) > 0; {
		n := min(len(b), ResultPartBytes)
		parts, b = append(parts, b[:n]), b[n:]
	}
	err := r.rows.CommitChunk(ctx, ChunkCommit{Job: next, Prev: j.Checkpoint.Chunks, Rows: writes, Results: parts})
	var conflicts *RowConflicts
	if errors.As(err, &conflicts) {
		idx := make([]int, len(conflicts.Rows))
		for n, w := range conflicts.Rows {
			idx[n] = written[w]
		}
		return &RowConflicts{Rows: idx}
	} else if err != nil {
		return err
	}
	*j = next
	return nil
}

// licenceWarnings warns when the contract's remaining licences cannot
// cover its pending invitations (with those this dry run would add).
func (r *Runner) licenceWarnings(ctx context.Context, j Job, contract bo.Contract) []string {
	if c, err := r.svc.store.GetContract(ctx, j.OrgID, j.ContractID); err == nil {
		contract = c
	}
	pending := contract.Pending
	if j.DryRun {
		pending += j.Counts.Outcomes[OutcomeInvited]
	}
	return LicenceWarnings(contract, pending)
}

// lookUp sets the outcome of rows from the learners in the program. In a
// dry run (write false) a row with no standing in the program, or a removed
// learner, is invited, as a real run would do; for real, such a row is to
// be written (again): on the removed learner as read, or as new when the
// learner it met has gone since. A learner this same job invited counts as
// invited, and gets its email queued if it was not.
func (r *Runner) lookUp(ctx context.Context, j *Job, rows []rowResult, idx []int, write bool) error {
	keys := make([]string, len(idx))
	for n, i := range idx {
		keys[n] = rows[i].email.Key
	}
	found, err := r.rows.GetLearners(ctx, j.ProgramID, keys)
	if err != nil {
		return err
	}
	now := r.svc.Now()
	for _, i := range idx {
		res := &rows[i]
		l, ok := found[res.email.Key]
		res.write, res.prev, res.needsEmail = false, nil, false
		switch {
		case ok && l.State == bo.StateMember:
			res.outcome, res.reason = OutcomeAlreadyMember, "already a member of this program"
		case ok && l.State == bo.StateInvited && l.ImportID == j.ID:
			res.outcome, res.learner = OutcomeInvited, l
			if j.SendEmails && l.EmailQueuedAt == nil {
				token, tok := r.svc.newToken(l, now)
				if err := r.svc.store.AddToken(ctx, l, tok); err != nil {
					return err
				}
				res.token, res.tok, res.needsEmail = token, &tok, true
			}
		case ok && l.State == bo.StateInvited:
			res.outcome, res.reason = OutcomeAlreadyInvited, "already invited to this program"
		case !write:
			res.outcome = OutcomeInvited // what a real run would do
		case ok:
			res.write, res.prev = true, &l
		default:
			res.write = true
		}
	}
	return nil
}

// queueEmails queues the invitation emails of the chunk's new invitations
// and records them as queued.
func (r *Runner) queueEmails(ctx context.Context, org bo.Org, program bo.Program, rows []rowResult) error {
	var msgs []mail.Message
	var queued []bo.Learner
	for _, res := range rows {
		if res.needsEmail {
			msgs = append(msgs, r.svc.invitationMessage(org, program, res.learner, res.token, res.tok.ExpiresAt, ""))
			queued = append(queued, res.learner)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := r.svc.outbox.Publish(ctx, msgs); err != nil {
		return fmt.Errorf("queue %d invitation emails: %w", len(msgs), err)
	}
	now := r.svc.Now()
	sem := make(chan struct{}, runWriters)
	errs := make(chan error, len(queued))
	var wg sync.WaitGroup
	for _, l := range queued {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := r.svc.store.MarkQueued(ctx, l, "emailQueuedAt", now); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// finished returns ctx carrying the record of an import's outcome, in the
// name of the admin who created it, for the job's last write.
func finished(ctx context.Context, j Job) context.Context {
	outcomes, _ := json.Marshal(j.Counts.Outcomes)
	changes := audit.Set("status", string(j.Status), "rows", strconv.Itoa(j.Counts.RowsDone), "outcomes", string(outcomes))
	if j.Error != "" {
		changes = append(changes, audit.Change{Field: "error", New: j.Error})
	}
	actor := j.Actor
	if actor.Subject == "" {
		actor.Subject = j.CreatedBy
	}
	return audit.For(audit.WithActor(ctx, actor), *j.FinishedAt, j.OrgID, j.ProgramID, audit.InvitationImportFinished,
		audit.Target{Type: audit.TargetImport, ID: j.ID}, changes)
}
