package stack

// Unexported helpers the external tests check directly.
var (
	ChangeSetNameOf = changeSetNameOf
	StackTags       = stackTags
	TemplateURL     = templateURL
	TemplateKey     = templateKey
	KeepSpelling    = keepSpelling
	CreateToken     = createToken
)
