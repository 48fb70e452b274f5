package env

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// A settings struct declares the variables a function reads, each once, in
// its fields' tags:
//
//	type Settings struct {
//		Table    string `env:"TABLE_NAME"`                 // required
//		LogLevel string `env:"LOG_LEVEL" default:"info"`   // optional, with a default
//		ConfigSet string `env:"MAIL_CONFIGURATION_SET,optional"` // optional, zero when unset
//	}
//
// Fields may be string, int, bool or time.Duration; embedded structs are
// read as part of the struct. Load fills it; Names and Required list the
// variables, for the stack that sets them.

// Validator is a settings struct that checks its values once they are read:
// Validate describes each invalid value, as "NAME=value must be ...".
type Validator interface {
	Validate() []string
}

// Load fills the settings struct dst points at from the process environment.
// It returns an *Error naming every missing and every invalid variable at
// once (and what dst's Validate reports), or nil.
func Load(dst any) error {
	r := New()
	r.Load(dst)
	return r.Err()
}

// Load fills the settings struct dst points at, recording every missing
// required variable and every value that does not parse (reported by Err),
// and then what dst's Validate reports, if it is a Validator. It panics
// when dst is not a pointer to a struct, a tagged field has an unsupported
// type or a default does not parse: all programming errors.
func (r *Reader) Load(dst any) {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("env.Load: %T is not a pointer to a struct", dst))
	}
	walk(v.Elem(), func(f field, fv reflect.Value) {
		if _, set := r.value(f.name); !set && f.required {
			r.missing = append(r.missing, f.name)
			return
		}
		switch p := fv.Addr().Interface().(type) {
		case *string:
			*p = r.Optional(f.name, f.def)
		case *int:
			*p = r.Int(f.name, mustParse(f, strconv.Atoi))
		case *bool:
			*p = r.Bool(f.name, mustParse(f, strconv.ParseBool))
		case *time.Duration:
			*p = r.Duration(f.name, mustParse(f, time.ParseDuration))
		}
	})
	if val, ok := dst.(Validator); ok {
		r.invalid = append(r.invalid, val.Validate()...)
	}
}

// Names returns the variables the settings struct (or a pointer to one)
// declares, in field order: every variable its function may read.
func Names(settings any) []string {
	return names(settings, func(field) bool { return true })
}

// Required returns the variables the settings struct declares that have no
// default: those a deployment must set.
func Required(settings any) []string {
	return names(settings, func(f field) bool { return f.required })
}

func names(settings any, keep func(field) bool) []string {
	v := reflect.ValueOf(settings)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		panic(fmt.Sprintf("env.Names: %T is not a struct", settings))
	}
	var out []string
	walk(v, func(f field, _ reflect.Value) {
		if keep(f) {
			out = append(out, f.name)
		}
	})
	return out
}

// field is one tagged field of a settings struct.
type field struct {
	name     string
	required bool
	// def is the default of an optional field ("" for the zero value).
	def string
}

// walk calls fn with each tagged field of the struct v, embedded structs'
// fields in place.
func walk(v reflect.Value, fn func(field, reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			walk(v.Field(i), fn)
			continue
		}
		tag, ok := sf.Tag.Lookup("env")
		if !ok {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		def, hasDef := sf.Tag.Lookup("default")
		switch sf.Type {
		case reflect.TypeFor[string](), reflect.TypeFor[int](), reflect.TypeFor[bool](), reflect.TypeFor[time.Duration]():
		default:
			panic(fmt.Sprintf("env: field %s (%s) has unsupported type %s", sf.Name, name, sf.Type))
		}
		fn(field{name: name, required: opt != "optional" && !hasDef, def: def}, v.Field(i))
	}
}

// mustParse parses the default of f with parse; a default that does not
// parse is a programming error, so it panics.
func mustParse[T any](f field, parse func(string) (T, error)) T {
	var zero T
	if f.def == "" {
		return zero
	}
	v, err := parse(f.def)
	if err != nil {
		panic(fmt.Sprintf("env: default %q of %s: %v", f.def, f.name, err))
	}
	return v
}
