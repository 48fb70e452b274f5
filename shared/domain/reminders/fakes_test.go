package reminders_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

const (
	programShards = 2
	learnerShards = 3
)

func learnerShard(emailKey string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(emailKey))
	return int(h.Sum32() % learnerShards)
}

// memStore is the run's storage in memory, with the conditions of the
// DynamoDB store: a reminder is claimed once, only while its invitation is
// pending; a done run is not saved again.
type memStore struct {
	mu       sync.Mutex
	programs []reminders.Program // sorted by shard and key
	shardOf  map[string]int      // program id -> shard
	learners map[string]bo.Learner
	reach    map[string]bo.Reach
	records  map[reminders.ReminderKey]reminders.Reminder
	counts   map[string]map[string]int
	run      *reminders.Run
	orgs     map[string]bo.Org
	lastRun  map[string]string
	// beforeClaim, when set, runs before each claim (outside the lock).
	beforeClaim func(r reminders.Reminder)
	saves       int
}

var _ reminders.Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{shardOf: map[string]int{}, learners: map[string]bo.Learner{}, reach: map[string]bo.Reach{},
		records: map[reminders.ReminderKey]reminders.Reminder{}, counts: map[string]map[string]int{}, orgs: map[string]bo.Org{},
		lastRun: map[string]string{}}
}

func (m *memStore) addOrg(id, name string) { m.orgs[id] = bo.Org{ID: id, Name: name} }

func (m *memStore) addProgram(p reminders.Program, shard int) {
	p.Key = p.OrgID + "#" + p.ID
	m.shardOf[p.ID] = shard
	m.programs = append(m.programs, p)
	slices.SortFunc(m.programs, func(a, b reminders.Program) int {
		if c := m.shardOf[a.ID] - m.shardOf[b.ID]; c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
}

// invite adds a pending invitation sent at sent, its email queued.
func (m *memStore) invite(programID, orgID, email string, sent time.Time) bo.Learner {
	l := bo.Learner{OrgID: orgID, ProgramID: programID, Email: email, EmailKey: strings.ToLower(email), FullName: "Learner " + email,
		State: bo.StateInvited, InvitationID: "inv-" + email + "-" + sent.Format(time.RFC3339Nano), InvitedAt: &sent, EmailQueuedAt: &sent}
	m.learners[programID+"/"+l.EmailKey] = l
	return l
}

func (m *memStore) setLearner(l bo.Learner) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.learners[l.ProgramID+"/"+l.EmailKey] = l
}

func (m *memStore) ReminderPrograms(_ context.Context, shard int, after string, limit int) ([]reminders.Program, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []reminders.Program
	for _, p := range m.programs {
		if m.shardOf[p.ID] == shard && p.Key > after && len(out) < limit {
			out = append(out, p)
		}
	}
	return out, nil
}

func sortKey(l bo.Learner) string {
	return fmt.Sprintf("%013d#%s", l.InvitedAt.UnixMilli(), l.EmailKey)
}

func (m *memStore) PendingInvitations(_ context.Context, programID string, shard int, w reminders.Window, after string, limit int) ([]reminders.Invitation, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []reminders.Invitation
	for _, l := range m.learners {
		if l.ProgramID == programID && l.State == bo.StateInvited && learnerShard(l.EmailKey) == shard && w.Contains(*l.InvitedAt) && sortKey(l) > after {
			all = append(all, reminders.Invitation{Learner: l, Key: sortKey(l)})
		}
	}
	slices.SortFunc(all, func(a, b reminders.Invitation) int { return strings.Compare(a.Key, b.Key) })
	if len(all) > limit {
		return all[:limit], all[limit-1].Key, nil
	}
	return all, "", nil
}

func (m *memStore) Reachability(_ context.Context, _ string, keys []string) (map[string]bo.Reach, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bo.Reach{}
	for _, k := range keys {
		if r := m.reach[k]; r != bo.Reachable {
			out[k] = r
		}
	}
	return out, nil
}

func (m *memStore) ClaimReminder(_ context.Context, r reminders.Reminder, invitationID string) (*reminders.Reminder, error) {
	if m.beforeClaim != nil {
		m.beforeClaim(r)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.learners[r.ProgramID+"/"+r.EmailKey]
	if !ok || l.State != bo.StateInvited || l.InvitationID != invitationID {
		return nil, bo.Errorf(bo.ENOTFOUND, "not pending")
	}
	if prev, ok := m.records[r.ReminderKey]; ok {
		return &prev, nil
	}
	m.records[r.ReminderKey] = r
	if m.counts[r.Campaign] == nil {
		m.counts[r.Campaign] = map[string]int{}
	}
	m.counts[r.Campaign]["planned"]++
	m.counts[r.Campaign][r.Outcome]++
	return nil, nil
}

func (m *memStore) TakeOverReminder(_ context.Context, k reminders.ReminderKey, from, to string, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[k]
	if !ok || r.RunID != from || r.QueuedAt != nil {
		return false, nil
	}
	r.RunID, r.ClaimedAt = to, at
	m.records[k] = r
	return true, nil
}

func (m *memStore) MarkReminderQueued(_ context.Context, k reminders.ReminderKey, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.records[k]
	r.QueuedAt = &at
	m.records[k] = r
	return nil
}

func (m *memStore) GetReminderRun(_ context.Context, saturday time.Time) (reminders.Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.run == nil || !m.run.Saturday.Equal(saturday) {
		return reminders.Run{}, bo.Errorf(bo.ENOTFOUND, "no run")
	}
	return *m.run, nil
}

func (m *memStore) SaveReminderRun(_ context.Context, r reminders.Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.run != nil && m.run.Saturday.Equal(r.Saturday) && m.run.Done {
		return bo.Errorf(bo.ECONFLICT, "done")
	}
	m.run = &r
	m.saves++
	return nil
}

func (m *memStore) MarkRemindersRun(_ context.Context, _, programID string, saturday time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := saturday.Format(reminders.DateLayout); d > m.lastRun[programID] {
		m.lastRun[programID] = d
	}
	return nil
}

func (m *memStore) GetOrg(_ context.Context, orgID string) (bo.Org, error) {
	o, ok := m.orgs[orgID]
	if !ok {
		return bo.Org{}, bo.Errorf(bo.ENOTFOUND, "no org")
	}
	return o, nil
}

// fakeOutbox records what is queued; publish, when set, decides first.
type fakeOutbox struct {
	mu      sync.Mutex
	msgs    []mail.Message
	publish func(ctx context.Context, msgs []mail.Message) error
}

func (o *fakeOutbox) Publish(ctx context.Context, msgs []mail.Message) error {
	if o.publish != nil {
		if err := o.publish(ctx, msgs); err != nil {
			return err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, msgs...)
	return nil
}

// ids counts the queued messages by id.
func (o *fakeOutbox) ids() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string]int{}
	for _, m := range o.msgs {
		out[m.ID]++
	}
	return out
}

type fakeLinks struct{}

func (fakeLinks) URL(orgID, emailKey string) string {
	return "https://api.example.com/v1/unsubscribe/" + orgID + "." + emailKey
}

// clock is a test clock that moves step on every reading.
type clock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}
