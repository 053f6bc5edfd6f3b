package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// kind is how the fast path treats a Go type.
type kind int

const (
	kString kind = iota
	kBool
	kInt   // int, int64 (bits 64) or int32 (bits 32)
	kFloat // float64 (float32 is left to encoding/json: its formatting differs)
	kPtr
	kSlice
	kStruct
	kOther // encoding/json, value by value: maps, interfaces, custom (un)marshalers…
)

// typ is one Go type of the generated package as the fast path sees it.
type typ struct {
	kind  kind
	expr  string // the type as Go source (a named type's name)
	named string // the local named type, "" for builtin and anonymous types
	bits  int    // kInt: 32 or 64
	base  string // kInt: the builtin type underneath (int, int64, int32)
	elem  *typ   // kPtr, kSlice
	// fields of a kStruct, in declaration order (encoding/json's order).
	fields []field
	// union: a oapi-codegen union (its JSON in an unexported field, written by its
	// value MarshalJSON, which returns json.Marshal's compact output).
	union bool
	// enum: the constants of a named string type, value -> constant name.
	enum map[string]string
}

// field is a struct field encoding/json sees.
type field struct {
	goName, json string
	omitempty    bool
	t            *typ
}

// pkg is the parsed generated package.
type pkg struct {
	name    string
	specs   map[string]*ast.TypeSpec
	methods map[string]map[string]bool // type -> method names
	consts  map[string]map[string]string
	types   map[string]*typ
	fset    *token.FileSet
}

// load parses the files of dir matching in, skipping out (the file fastgen writes).
func load(dir, in, out string) (*pkg, error) {
	p := &pkg{specs: map[string]*ast.TypeSpec{}, methods: map[string]map[string]bool{}, consts: map[string]map[string]string{},
		types: map[string]*typ{}, fset: token.NewFileSet()}
	names, err := filepath.Glob(filepath.Join(dir, in))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no %s file in %s", in, dir)
	}
	sort.Strings(names)
	for _, n := range names {
		if filepath.Base(n) == out {
			continue
		}
		src, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(p.fset, n, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		p.name = f.Name.Name
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						p.specs[s.Name.Name] = s
					case *ast.ValueSpec:
						if d.Tok != token.CONST || s.Type == nil || len(s.Values) != len(s.Names) {
							continue
						}
						id, ok := s.Type.(*ast.Ident)
						if !ok {
							continue
						}
						for i, v := range s.Values {
							lit, ok := v.(*ast.BasicLit)
							if !ok || lit.Kind != token.STRING {
								continue
							}
							val, err := strconv.Unquote(lit.Value)
							if err != nil {
								continue
							}
							if p.consts[id.Name] == nil {
								p.consts[id.Name] = map[string]string{}
							}
							if _, dup := p.consts[id.Name][val]; !dup {
								p.consts[id.Name][val] = s.Names[i].Name
							}
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv == nil || len(d.Recv.List) != 1 {
					continue
				}
				rt := d.Recv.List[0].Type
				if st, ok := rt.(*ast.StarExpr); ok {
					rt = st.X
				}
				if id, ok := rt.(*ast.Ident); ok {
					if p.methods[id.Name] == nil {
						p.methods[id.Name] = map[string]bool{}
					}
					p.methods[id.Name][d.Name.Name] = true
				}
			}
		}
	}
	return p, nil
}

// custom reports whether encoding/json treats the named type with its own methods.
func (p *pkg) custom(name string) bool {
	m := p.methods[name]
	return m["MarshalJSON"] || m["UnmarshalJSON"] || m["MarshalText"] || m["UnmarshalText"]
}

// named resolves a named type of the package.
func (p *pkg) named(name string) (*typ, error) {
	if t, ok := p.types[name]; ok {
		return t, nil
	}
	s, ok := p.specs[name]
	if !ok {
		return nil, fmt.Errorf("type %s not found", name)
	}
	if s.Assign.IsValid() { // an alias
		return p.resolve(s.Type)
	}
	t := &typ{expr: name, named: name}
	p.types[name] = t
	if p.custom(name) {
		t.kind = kOther
		_, isStruct := s.Type.(*ast.StructType)
		t.union = isStruct && p.methods[name]["MarshalJSON"] && hasUnionField(s.Type.(*ast.StructType))
		return t, nil
	}
	u, err := p.resolve(s.Type)
	if err != nil {
		return nil, err
	}
	t.kind, t.bits, t.base, t.elem, t.fields = u.kind, u.bits, u.base, u.elem, u.fields
	if t.kind == kString {
		t.enum = p.consts[name]
	}
	return t, nil
}

func hasUnionField(st *ast.StructType) bool {
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.Name == "union" {
				return true
			}
		}
	}
	return false
}

// resolve turns a type expression into a typ.
func (p *pkg) resolve(e ast.Expr) (*typ, error) {
	switch e := e.(type) {
	case *ast.Ident:
		switch e.Name {
		case "string":
			return &typ{kind: kString, expr: "string"}, nil
		case "bool":
			return &typ{kind: kBool, expr: "bool"}, nil
		case "int", "int64":
			return &typ{kind: kInt, expr: e.Name, bits: 64, base: e.Name}, nil
		case "int32":
			return &typ{kind: kInt, expr: e.Name, bits: 32, base: e.Name}, nil
		case "float64":
			return &typ{kind: kFloat, expr: e.Name}, nil
		}
		if _, ok := p.specs[e.Name]; ok {
			return p.named(e.Name)
		}
		return &typ{kind: kOther, expr: e.Name}, nil
	case *ast.StarExpr:
		el, err := p.resolve(e.X)
		if err != nil {
			return nil, err
		}
		return &typ{kind: kPtr, expr: "*" + el.expr, elem: el}, nil
	case *ast.ArrayType:
		if e.Len != nil {
			return &typ{kind: kOther, expr: p.src(e)}, nil
		}
		el, err := p.resolve(e.Elt)
		if err != nil {
			return nil, err
		}
		if id, ok := e.Elt.(*ast.Ident); ok && (id.Name == "byte" || id.Name == "uint8") {
			return &typ{kind: kOther, expr: "[]byte"}, nil
		}
		return &typ{kind: kSlice, expr: "[]" + el.expr, elem: el}, nil
	case *ast.StructType:
		t := &typ{kind: kStruct, expr: p.src(e)}
		for _, f := range e.Fields.List {
			if len(f.Names) == 0 { // embedded: encoding/json's promotion rules are not reproduced
				return &typ{kind: kOther, expr: p.src(e)}, nil
			}
			tag := ""
			if f.Tag != nil {
				tag, _ = strconv.Unquote(f.Tag.Value)
			}
			jt := reflect.StructTag(tag).Get("json")
			if jt == "-" {
				continue
			}
			name, opts, _ := strings.Cut(jt, ",")
			ft, err := p.resolve(f.Type)
			if err != nil {
				return nil, err
			}
			for _, n := range f.Names {
				if !n.IsExported() {
					continue
				}
				fl := field{goName: n.Name, json: name, t: ft}
				if fl.json == "" {
					fl.json = n.Name
				}
				for _, o := range strings.Split(opts, ",") {
					switch o {
					case "omitempty":
						fl.omitempty = true
					case "string", "omitzero":
						// Not reproduced: the field goes through encoding/json.
						fl.t = &typ{kind: kOther, expr: ft.expr}
					}
				}
				if !plainKey(fl.json) {
					return &typ{kind: kOther, expr: p.src(e)}, nil
				}
				t.fields = append(t.fields, fl)
			}
		}
		return t, nil
	default:
		return &typ{kind: kOther, expr: p.src(e)}, nil
	}
}

// plainKey reports whether a JSON name needs no escaping and is one the lexer reads.
func plainKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func (p *pkg) src(e ast.Expr) string {
	var b strings.Builder
	if err := printer.Fprint(&b, p.fset, e); err != nil {
		panic(err)
	}
	return b.String()
}
