// Package reports is the admins' email reports: the member, usage and
// specialisation CSVs of docs/reports.md zipped together, the summary of the
// report email, gradebooks, report jobs and weekly schedules. It streams
// learners from a Source and writes to an io.Writer, so that no report is
// ever held in memory; it imports neither Lambda nor the AWS SDK.
package reports
