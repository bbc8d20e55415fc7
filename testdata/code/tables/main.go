// Command codetables is a fixture of scan/code's data pass: strings that the program
// keeps in static data rather than loading from code (a table of structs, an array of
// strings, a map literal, struct tags) and interface values whose method tables (itabs)
// point at the concrete type's methods.
package main

import (
	"fmt"
	"os"
	"reflect"
)

// providers is a table of structs of strings, laid out by the linker as string headers.
var providers = []struct{ Name, URL string }{
	{"Alpha", "https://alpha.example.com/v1"},
	{"Beta", "https://beta.example.org/api"},
	{"Gamma", "https://gamma.example.net/"},
}

// hosts is an array of strings.
var hosts = [...]string{"one.example.com", "two.example.com:443", "three.example.com"}

// regions is a map literal of strings. With more than 25 entries the compiler keeps its
// keys and values in two static arrays of string headers and fills the map from them at
// init (cmd/compile/internal/walk/complit.go, maplit); a smaller map is filled by code.
var regions = map[string]string{
	"us-east-1":      "s3.us-east-1.example.com",
	"us-east-2":      "s3.us-east-2.example.com",
	"us-west-1":      "s3.us-west-1.example.com",
	"us-west-2":      "s3.us-west-2.example.com",
	"af-south-1":     "s3.af-south-1.example.com",
	"ap-east-1":      "s3.ap-east-1.example.com",
	"ap-south-1":     "s3.ap-south-1.example.com",
	"ap-south-2":     "s3.ap-south-2.example.com",
	"ap-northeast-1": "s3.ap-northeast-1.example.com",
	"ap-northeast-2": "s3.ap-northeast-2.example.com",
	"ap-northeast-3": "s3.ap-northeast-3.example.com",
	"ap-southeast-1": "s3.ap-southeast-1.example.com",
	"ap-southeast-2": "s3.ap-southeast-2.example.com",
	"ap-southeast-3": "s3.ap-southeast-3.example.com",
	"ap-southeast-4": "s3.ap-southeast-4.example.com",
	"ca-central-1":   "s3.ca-central-1.example.com",
	"ca-west-1":      "s3.ca-west-1.example.com",
	"eu-central-1":   "s3.eu-central-1.example.com",
	"eu-central-2":   "s3.eu-central-2.example.com",
	"eu-west-1":      "s3.eu-west-1.example.com",
	"eu-west-2":      "s3.eu-west-2.example.com",
	"eu-west-3":      "s3.eu-west-3.example.com",
	"eu-south-1":     "s3.eu-south-1.example.com",
	"eu-south-2":     "s3.eu-south-2.example.com",
	"eu-north-1":     "s3.eu-north-1.example.com",
	"il-central-1":   "s3.il-central-1.example.com",
	"me-south-1":     "s3.me-south-1.example.com",
	"me-central-1":   "s3.me-central-1.example.com",
	"sa-east-1":      "s3.sa-east-1.example.com",
	"mx-central-1":   "s3.mx-central-1.example.com",
}

// config has struct tags, which live in its type descriptor.
type config struct {
	Endpoint string `json:"endpoint" yaml:"endpoint_url"`
	Token    string `json:"token,omitempty"`
}

// Greeter is an interface with two methods, so its itabs have two fun entries.
type Greeter interface {
	Greet() string
	Host() string
}

type english struct{ host string }

func (e english) Greet() string { return "hello" }
func (e english) Host() string  { return e.host }

type french struct{ host string }

func (f *french) Greet() string { return "bonjour" }
func (f *french) Host() string  { return f.host }

// greeters holds interface values assigned from concrete types.
var greeters = []Greeter{english{"en.example.com"}, &french{"fr.example.com"}}

// callbacks is a static table of function values.
var callbacks = []func() string{english{}.Greet, hello}

func hello() string { return "hi" }

func main() {
	for _, p := range providers {
		fmt.Println(p.Name, p.URL)
	}
	for _, h := range hosts {
		fmt.Println(h)
	}
	for k, v := range regions {
		fmt.Println(k, v)
	}
	t := reflect.TypeOf(config{})
	for i := 0; i < t.NumField(); i++ {
		fmt.Println(t.Field(i).Tag)
	}
	for _, g := range greeters {
		fmt.Println(g.Greet(), g.Host())
	}
	for _, c := range callbacks {
		fmt.Println(c())
	}
	if len(os.Args) > 5 {
		var g Greeter = english{os.Args[1]}
		fmt.Println(g.Greet())
	}
}
