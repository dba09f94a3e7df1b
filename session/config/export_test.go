package config

// WriteFileWith is writeFile for the external tests.
var WriteFileWith = writeFile
