// Package trends answers the home page's trends: learning minutes,
// enrollments, completions and joins of an org or one of its programs over
// a range of days, in day, week or month buckets. The figures come from
// daily roll-ups that the writes which change them keep (an ADD in the
// same transaction), so a series is one Query of at most MaxDays items. It
// imports neither Lambda nor the AWS SDK.
package trends

import (
	"context"
	"math"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Bucket is the width of a series' points.
type Bucket string

// Buckets. A week runs Monday to Sunday (ISO 8601); a month is a calendar
// month; all in UTC.
const (
	Day   Bucket = "day"
	Week  Bucket = "week"
	Month Bucket = "month"
)

// DateLayout is how days are written in queries, roll-up keys and answers.
const DateLayout = "2006-01-02"

// MaxDays bounds a range (both ends included): about two years, so that a
// series stays one Query page of small items whatever the bucket.
const MaxDays = 731

// Counts are what one day (or bucket) of an org or program adds up to.
type Counts struct {
	LearningMinutes int `json:"learningMinutes"`
	Enrollments     int `json:"enrollments"`
	Completions     int `json:"completions"`
	Joins           int `json:"joins"`
}

func (c *Counts) add(o Counts) {
	c.LearningMinutes += o.LearningMinutes
	c.Enrollments += o.Enrollments
	c.Completions += o.Completions
	c.Joins += o.Joins
}

// DayCounts is one day's roll-up as stored: Date is midnight UTC.
type DayCounts struct {
	Date time.Time
	Counts
}

// Point is one bucket of a series: its first and last day, clipped to the
// range asked for, and what those days add up to.
type Point struct {
	Start string `json:"start"`
	End   string `json:"end"`
	Counts
	// LearningHours is LearningMinutes / 60 to two decimals.
	LearningHours float64 `json:"learningHours"`
}

// Series is the answer of a trends query: every bucket of the range in
// order, empty ones included (zeros), and the range's totals.
type Series struct {
	OrgID     string  `json:"orgId"`
	ProgramID string  `json:"programId,omitempty"`
	Bucket    Bucket  `json:"bucket"`
	From      string  `json:"from"`
	To        string  `json:"to"`
	Totals    Point   `json:"totals"`
	Points    []Point `json:"points"`
}

// Query is a trends request as the route reads it: from and to are
// yyyy-mm-dd days (both included) or empty for the defaults, bucket is
// day, week, month or empty (day), and ProgramID empty for the whole org.
type Query struct {
	From, To, Bucket, ProgramID string
}

// Range is a validated query: days at midnight UTC.
type Range struct {
	From, To time.Time
	Bucket   Bucket
}

// ParseQuery validates q against today (the caller's clock). Without to
// the range ends today; without from it starts 29 days, 11 weeks (from
// their Monday) or 11 months (from their first day) before to, for the
// day, week and month buckets: 30 points, 12 and 12. It returns EINVALID
// naming every field at fault: a day that is not yyyy-mm-dd, from after
// to, a range of more than MaxDays days, an unknown bucket.
func ParseQuery(q Query, today time.Time) (Range, error) {
	var v bo.Validation
	r := Range{Bucket: Bucket(q.Bucket)}
	if q.Bucket == "" {
		r.Bucket = Day
	}
	v.Check(r.Bucket == Day || r.Bucket == Week || r.Bucket == Month, "bucket", "must be day, week or month")
	parse := func(field, s string) (time.Time, bool) {
		t, err := time.Parse(DateLayout, s)
		if err != nil {
			v.Add(field, "must be a day like 2026-01-31")
			return time.Time{}, false
		}
		return t, true
	}
	r.To = Midnight(today)
	toOK, fromOK := true, true
	if q.From != "" {
		r.From, fromOK = parse("from", q.From)
	}
	if q.To != "" {
		r.To, toOK = parse("to", q.To)
	}
	if q.From == "" {
		r.From = defaultFrom(r.To, r.Bucket)
	}
	if fromOK && toOK && q.From != "" {
		v.Check(!r.From.After(r.To), "from", "must not be after to")
		v.Check(Days(r.From, r.To) <= MaxDays, "to", "must be at most %d days after from", MaxDays-1)
	}
	if err := v.Err(); err != nil {
		return Range{}, err
	}
	return r, nil
}

// defaultFrom is the start of the default range ending on to.
func defaultFrom(to time.Time, b Bucket) time.Time {
	switch b {
	case Week:
		return BucketStart(to, Week).AddDate(0, 0, -7*11)
	case Month:
		return BucketStart(to, Month).AddDate(0, -11, 0)
	}
	return to.AddDate(0, 0, -29)
}

// Midnight returns the start of t's UTC day.
func Midnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Days returns how many days from..to holds, both included (0 when to is
// before from).
func Days(from, to time.Time) int {
	if to.Before(from) {
		return 0
	}
	return int(Midnight(to).Sub(Midnight(from)).Hours()/24) + 1
}

// BucketStart returns the first day of the bucket that holds t's day: the
// day itself, its week's Monday, or its month's first day.
func BucketStart(t time.Time, b Bucket) time.Time {
	d := Midnight(t)
	switch b {
	case Week:
		back := (int(d.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
		return d.AddDate(0, 0, -back)
	case Month:
		return d.AddDate(0, 0, 1-d.Day())
	}
	return d
}

// nextBucket returns the first day of the bucket after the one starting
// on start.
func nextBucket(start time.Time, b Bucket) time.Time {
	switch b {
	case Week:
		return start.AddDate(0, 0, 7)
	case Month:
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}

// Build folds the days' roll-ups into the range's buckets: one point per
// bucket that meets the range, in order, each clipped to it; days outside
// the range are ignored.
func Build(days []DayCounts, r Range) (points []Point, totals Point) {
	index := map[time.Time]int{}
	for start := BucketStart(r.From, r.Bucket); !start.After(r.To); start = nextBucket(start, r.Bucket) {
		first, last := maxTime(start, r.From), minTime(nextBucket(start, r.Bucket).AddDate(0, 0, -1), r.To)
		index[start] = len(points)
		points = append(points, Point{Start: first.Format(DateLayout), End: last.Format(DateLayout)})
	}
	totals = Point{Start: r.From.Format(DateLayout), End: r.To.Format(DateLayout)}
	for _, d := range days {
		day := Midnight(d.Date)
		if day.Before(r.From) || day.After(r.To) {
			continue
		}
		points[index[BucketStart(day, r.Bucket)]].add(d.Counts)
		totals.add(d.Counts)
	}
	for i := range points {
		points[i].LearningHours = hours(points[i].LearningMinutes)
	}
	totals.LearningHours = hours(totals.LearningMinutes)
	return points, totals
}

func hours(minutes int) float64 { return math.Round(float64(minutes)/60*100) / 100 }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Store reads the daily roll-ups.
type Store interface {
	// TrendDays returns the roll-ups of an org (programID "") or of one of
	// its programs for the days from..to, both included, in day order;
	// days nothing happened on have no roll-up.
	TrendDays(ctx context.Context, orgID, programID string, from, to time.Time) ([]DayCounts, error)
}

// Authorizer says what the caller administers.
type Authorizer interface {
	AuthorizeOrg(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error)
	AuthorizeProgram(ctx context.Context, caller bo.Caller, orgID, programID string) (bo.Program, error)
}

// Service answers trends queries.
type Service struct {
	store Store
	auth  Authorizer
	// Now is the clock of "today" (the default range); tests replace it.
	Now func() time.Time
}

// NewService returns a Service on the real clock.
func NewService(store Store, auth Authorizer) *Service {
	return &Service{store: store, auth: auth, Now: time.Now}
}

// Series returns the org's (or, with q.ProgramID, one program's) series
// for the query. Org admins see the org and any of its programs; program
// admins see the programs they administer only, so they must name one.
// It returns EFORBIDDEN for a caller who is no admin of the org (or a
// program admin asking for the whole org), ENOTFOUND for a program the
// caller does not administer or that does not exist, and EINVALID for a
// malformed query (ParseQuery).
func (s *Service) Series(ctx context.Context, caller bo.Caller, orgID string, q Query) (Series, error) {
	adm, err := s.auth.AuthorizeOrg(ctx, caller, orgID)
	if err != nil {
		return Series{}, err
	}
	if q.ProgramID == "" && adm.Role != bo.RoleOrgAdmin {
		return Series{}, bo.Errorf(bo.EFORBIDDEN, "program admins see the trends of their programs: name one with programId")
	}
	if q.ProgramID != "" {
		if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, q.ProgramID); err != nil {
			return Series{}, err
		}
	}
	r, err := ParseQuery(q, s.Now())
	if err != nil {
		return Series{}, err
	}
	days, err := s.store.TrendDays(ctx, orgID, q.ProgramID, r.From, r.To)
	if err != nil {
		return Series{}, err
	}
	points, totals := Build(days, r)
	return Series{OrgID: orgID, ProgramID: q.ProgramID, Bucket: r.Bucket, From: r.From.Format(DateLayout),
		To: r.To.Format(DateLayout), Totals: totals, Points: points}, nil
}
