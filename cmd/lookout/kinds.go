package main

import "github.com/lookout-app/lookout/session/kinds"

// kindList is the kinds of account this binary knows: the config, the
// account form, list and check all go through it. It is session/kinds'
// one list; a test may append a kind of its own.
var kindList = kinds.List()
