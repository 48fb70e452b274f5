// Package emulatortest gives integration tests an AWS-compatible endpoint and
// throwaway resources on it.
//
// Config uses the endpoint AWS_ENDPOINT_URL names when it is set (the one
// `make test` starts for its run, or a developer's LocalStack), and fails
// when nothing answers there. When it is unset, Config starts moto's server
// itself, once per test binary, on a free loopback port, and the server dies
// with the test binary: nothing that happens to answer on a well-known port
// (somebody else's emulator on a shared machine) is used by accident. When
// no endpoint can be had the test fails: integration tests never skip, so a
// CI machine without the emulator goes red rather than green.
package emulatortest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	sestypes "github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/testkit/emulator"
)

const (
	// startTimeout bounds moto's start-up; it usually answers within two
	// seconds, but a loaded CI machine can be much slower.
	startTimeout = 60 * time.Second
	// cleanupTimeout bounds the deletion of one test resource.
	cleanupTimeout = 30 * time.Second
)

var (
	once     sync.Once
	endpoint string
	setupErr error
)

// Config returns an SDK configuration pointed at an endpoint that answers
// (see the package documentation), with the region of AWS_REGION (us-east-1
// when unset) and dummy static credentials. It does not read the developer's
// shared AWS config files, so no real account can be reached by mistake. It
// calls tb.Fatal when no endpoint can be had.
func Config(tb testing.TB) aws.Config {
	tb.Helper()
	once.Do(func() { endpoint, setupErr = ensureEndpoint() })
	if setupErr != nil {
		tb.Fatalf("emulatortest: no AWS endpoint for integration tests: %v", setupErr)
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   emulator.HTTPClient,
	}
}

// Endpoint returns the URL of the endpoint Config uses, starting it if need
// be; it calls tb.Fatal when there is none. Tests read emulator state (such
// as moto's /moto-api/data.json of sent emails) from it.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	return *Config(tb).BaseEndpoint
}

// ensureEndpoint returns the endpoint AWS_ENDPOINT_URL names, or an error
// when it does not answer; when the variable is unset it starts moto on a
// free loopback port.
func ensureEndpoint() (string, error) {
	if url := strings.TrimRight(os.Getenv("AWS_ENDPOINT_URL"), "/"); url != "" {
		if !answersWithin(url, startTimeout) {
			return "", fmt.Errorf("nothing answers at %s (AWS_ENDPOINT_URL): start that endpoint, or unset "+
				"AWS_ENDPOINT_URL to have the tests start a moto server of their own on a free port", url)
		}
		return url, nil
	}
	bin, args, err := motoCommand()
	if err != nil {
		return "", err
	}
	// A port picked free can be taken before moto binds it; try a few.
	var lastErr error
	for range 3 {
		url, err := startMoto(bin, args)
		if err == nil {
			return url, nil
		}
		lastErr = err
	}
	return "", lastErr
}

// motoCommand finds moto's server: the moto_server script, or the module
// through python3 when the script is not on PATH (a pip --user install).
func motoCommand() (string, []string, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return "", nil, errors.New("cannot locate the repository to find infra/scripts/moto_server.py")
	}
	script := filepath.Join(filepath.Dir(self), "..", "..", "..", "infra", "scripts", "moto_server.py")
	if py, err := exec.LookPath("python3"); err == nil && exec.Command(py, "-c", "import moto.server, moto.dynamodb").Run() == nil {
		return py, []string{script}, nil
	}
	return "", nil, errors.New("AWS_ENDPOINT_URL is unset and moto's server is not installed; " +
		"run the tests with `make test` (which installs and starts it), install it with `pip install 'moto[server]'`, " +
		"or start LocalStack and set AWS_ENDPOINT_URL")
}

// startMoto starts moto on a free loopback port and waits until it answers.
func startMoto(bin string, args []string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	var out tailBuffer
	cmd := exec.Command(bin, append(args, "-H", "127.0.0.1", "-p", strconv.Itoa(port))...)
	cmd.Stdout, cmd.Stderr = &out, &out
	setDeathSignal(cmd)

	started := make(chan error, 1)
	exited := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that started the
		// child exits, not the process; pin this goroutine to its thread and
		// keep it alive for as long as moto runs.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return "", fmt.Errorf("start %s: %w", bin, err)
	}

	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return "", fmt.Errorf("moto_server exited before answering (%v): %s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if answers(url) {
			return url, nil
		}
	}
	_ = cmd.Process.Kill()
	return "", fmt.Errorf("moto_server did not answer on %s within %s: %s", url, startTimeout, out.String())
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// answers reports whether anything answers HTTP at url: moto and LocalStack
// both answer GET / (with whatever status).
func answers(url string) bool {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url + "/")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// answersWithin reports whether url answers HTTP before bound has passed.
// A refused connection (nothing listens) ends it at once; a slow answer,
// as from an emulator that another test binary keeps busy on a loaded
// machine, is waited for.
func answersWithin(url string, bound time.Duration) bool {
	for deadline := time.Now().Add(bound); ; {
		client := http.Client{Timeout: 5 * time.Second}
		resp, err := client.Get(url + "/")
		if err == nil {
			resp.Body.Close()
			return true
		}
		if errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) {
			return false
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// tailBuffer keeps the last few kilobytes written to it, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - 4096; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// namePrefix returns a unique name prefix for a test's resources, carrying
// the test's name so that leftovers are recognisable in the emulator.
func namePrefix(tb testing.TB) string {
	name := tb.Name()
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return emulator.UniquePrefix("t-" + name)
}

// NewTable creates a table with a unique name from resources.Table, with the
// code Provision uses (keys, indexes, TTL), and deletes it when the test
// ends. It returns the table's name and calls tb.Fatal on failure.
func NewTable(tb testing.TB, cfg aws.Config) string {
	tb.Helper()
	name := namePrefix(tb) + resources.Table.Name
	client := dynamodb.NewFromConfig(cfg)
	if err := emulator.CreateTable(tb.Context(), client, resources.Table, name); err != nil {
		tb.Fatalf("emulatortest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			tb.Errorf("emulatortest: delete table %s: %v", name, err)
		}
	})
	return name
}

// NewQueue creates a queue and its dead-letter queue with unique names from
// spec (one of resources.Queues, or a test's own), with the code Provision
// uses (redrive policy, visibility timeout, retention), and deletes both when
// the test ends. It returns the queue's URL and the dead-letter queue's URL,
// and calls tb.Fatal on failure.
func NewQueue(tb testing.TB, cfg aws.Config, spec resources.QueueSpec) (url, deadLetterURL string) {
	tb.Helper()
	p := namePrefix(tb)
	client := sqs.NewFromConfig(cfg)
	q, err := emulator.CreateQueue(tb.Context(), client, spec, emulator.QueueNames{Name: p + spec.Name, DeadLetterName: p + spec.DeadLetterName})
	if err != nil {
		tb.Fatalf("emulatortest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		for _, u := range []string{q.URL, q.DeadLetterURL} {
			if _, err := client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)}); err != nil {
				tb.Errorf("emulatortest: delete queue %s: %v", u, err)
			}
		}
	})
	return q.URL, q.DeadLetterURL
}

// NewBucket creates a bucket with a unique name from resources.Bucket, with
// the code Provision uses, and empties and deletes it when the test ends. It
// returns the bucket's name and calls tb.Fatal on failure. Clients of the
// bucket should be made with s3.NewFromConfig(cfg, awsconfig.S3Options).
func NewBucket(tb testing.TB, cfg aws.Config) string {
	tb.Helper()
	name := namePrefix(tb) + resources.Bucket.Name
	client := s3.NewFromConfig(cfg, awsconfig.S3Options)
	if err := emulator.CreateBucket(tb.Context(), client, resources.Bucket, name); err != nil {
		tb.Fatalf("emulatortest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := deleteBucket(ctx, client, name); err != nil {
			tb.Errorf("emulatortest: %v", err)
		}
	})
	return name
}

// DeleteOnCleanup deletes, when the test ends, whatever emulator.Provision
// created under names: the table, each queue and dead-letter queue, and the
// bucket with its objects. What does not exist is skipped; other failures are
// reported with tb.Errorf.
func DeleteOnCleanup(tb testing.TB, cfg aws.Config, names emulator.Names) {
	tb.Helper()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		ddb := dynamodb.NewFromConfig(cfg)
		_, err := ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(names.Table)})
		var noTable *ddbtypes.ResourceNotFoundException
		if err != nil && !errors.As(err, &noTable) {
			tb.Errorf("emulatortest: delete table %s: %v", names.Table, err)
		}
		client := sqs.NewFromConfig(cfg)
		for _, qn := range names.Queues {
			for _, n := range []string{qn.Name, qn.DeadLetterName} {
				u, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(n)})
				if err != nil {
					continue // never created
				}
				if _, err := client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: u.QueueUrl}); err != nil {
					tb.Errorf("emulatortest: delete queue %s: %v", n, err)
				}
			}
		}
		s3Client := s3.NewFromConfig(cfg, awsconfig.S3Options)
		if _, err := s3Client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(names.Bucket)}); err != nil {
			return // never created
		}
		if err := deleteBucket(ctx, s3Client, names.Bucket); err != nil {
			tb.Errorf("emulatortest: %v", err)
		}
	})
}

// deleteBucket deletes every object of the bucket and then the bucket.
func deleteBucket(ctx context.Context, client *s3.Client, name string) error {
	pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list objects of bucket %s: %w", name, err)
		}
		for _, obj := range page.Contents {
			if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: obj.Key}); err != nil {
				return fmt.Errorf("delete object %s of bucket %s: %w", aws.ToString(obj.Key), name, err)
			}
		}
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	return nil
}

// NewSecret creates a Secrets Manager secret with a unique name holding
// value, and deletes it when the test ends. It returns the secret's ARN and
// calls tb.Fatal on failure.
func NewSecret(tb testing.TB, cfg aws.Config, value string) string {
	tb.Helper()
	client := secretsmanager.NewFromConfig(cfg)
	out, err := client.CreateSecret(tb.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(namePrefix(tb) + "secret"), SecretString: aws.String(value)})
	if err != nil {
		tb.Fatalf("emulatortest: create secret: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: out.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
			tb.Errorf("emulatortest: delete secret: %v", err)
		}
	})
	return aws.ToString(out.ARN)
}

// NewConfigurationSet creates an SES configuration set of a unique name, as
// the stack creates the one the mailer sends under (LocalStack refuses a
// send under a set that does not exist; moto does not check), deleted when
// the test ends. It returns its name.
func NewConfigurationSet(tb testing.TB, cfg aws.Config) string {
	tb.Helper()
	client := ses.NewFromConfig(cfg)
	name := namePrefix(tb) + "mail"
	if _, err := client.CreateConfigurationSet(tb.Context(), &ses.CreateConfigurationSetInput{
		ConfigurationSet: &sestypes.ConfigurationSet{Name: aws.String(name)},
	}); err != nil {
		tb.Fatalf("emulatortest: create configuration set: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := client.DeleteConfigurationSet(ctx, &ses.DeleteConfigurationSetInput{ConfigurationSetName: aws.String(name)}); err != nil {
			tb.Errorf("emulatortest: delete configuration set: %v", err)
		}
	})
	return name
}
