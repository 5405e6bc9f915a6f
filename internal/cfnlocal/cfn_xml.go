package cfnlocal

// XML shapes of CloudFormation results. Field names are the wire names, so
// they follow AWS's spelling (StackId, not StackID).

type xmlParameter struct {
	ParameterKey   string
	ParameterValue string
	ResolvedValue  string `xml:",omitempty"`
}

type xmlTag struct{ Key, Value string }

type xmlOutput struct {
	OutputKey   string
	OutputValue string
	Description string `xml:",omitempty"`
	ExportName  string `xml:",omitempty"`
}

type xmlDrift struct {
	StackDriftStatus   string
	LastCheckTimestamp string `xml:",omitempty"`
}

type xmlStack struct {
	StackId                     string
	StackName                   string
	ChangeSetId                 string         `xml:",omitempty"`
	Description                 string         `xml:",omitempty"`
	Parameters                  []xmlParameter `xml:"Parameters>member,omitempty"`
	CreationTime                string
	LastUpdatedTime             string      `xml:",omitempty"`
	DeletionTime                string      `xml:",omitempty"`
	StackStatus                 string      `xml:"StackStatus"`
	StackStatusReason           string      `xml:",omitempty"`
	DisableRollback             bool        `xml:"DisableRollback"`
	Capabilities                []string    `xml:"Capabilities>member,omitempty"`
	Outputs                     []xmlOutput `xml:"Outputs>member,omitempty"`
	Tags                        []xmlTag    `xml:"Tags>member,omitempty"`
	EnableTerminationProtection bool        `xml:"EnableTerminationProtection"`
	DriftInformation            xmlDrift
}

type describeStacksResult struct {
	Stacks    []xmlStack `xml:"Stacks>member"`
	NextToken string     `xml:",omitempty"`
}

type xmlEvent struct {
	StackId              string
	EventId              string
	StackName            string
	LogicalResourceId    string
	PhysicalResourceId   string
	ResourceType         string
	Timestamp            string
	ResourceStatus       string
	ResourceStatusReason string `xml:",omitempty"`
	ResourceProperties   string `xml:",omitempty"`
	ClientRequestToken   string `xml:",omitempty"`
}

type describeStackEventsResult struct {
	StackEvents []xmlEvent `xml:"StackEvents>member"`
	NextToken   string     `xml:",omitempty"`
}

type xmlStackResource struct {
	StackName            string
	StackId              string
	LogicalResourceId    string
	PhysicalResourceId   string `xml:",omitempty"`
	ResourceType         string
	Timestamp            string
	ResourceStatus       string
	ResourceStatusReason string `xml:",omitempty"`
}

type describeStackResourcesResult struct {
	StackResources []xmlStackResource `xml:"StackResources>member"`
}

type xmlResourceSummary struct {
	LogicalResourceId    string
	PhysicalResourceId   string `xml:",omitempty"`
	ResourceType         string
	LastUpdatedTimestamp string
	ResourceStatus       string
	ResourceStatusReason string `xml:",omitempty"`
}

type listStackResourcesResult struct {
	StackResourceSummaries []xmlResourceSummary `xml:"StackResourceSummaries>member"`
	NextToken              string               `xml:",omitempty"`
}

type getTemplateResult struct {
	TemplateBody    string
	StagesAvailable []string `xml:"StagesAvailable>member"`
}

type createChangeSetResult struct {
	Id      string
	StackId string
}

type xmlResourceChange struct {
	Action             string
	LogicalResourceId  string
	PhysicalResourceId string `xml:",omitempty"`
	ResourceType       string
	Replacement        string      `xml:",omitempty"`
	Scope              []string    `xml:"Scope>member,omitempty"`
	Details            []xmlDetail `xml:"Details>member,omitempty"`
}

type xmlDetail struct {
	Target struct {
		Attribute          string
		Name               string `xml:",omitempty"`
		RequiresRecreation string
	}
	Evaluation   string
	ChangeSource string
}

type xmlChange struct {
	Type           string
	ResourceChange xmlResourceChange
}

type describeChangeSetResult struct {
	ChangeSetName   string
	ChangeSetId     string
	StackId         string
	StackName       string
	Description     string         `xml:",omitempty"`
	Parameters      []xmlParameter `xml:"Parameters>member,omitempty"`
	CreationTime    string
	ExecutionStatus string
	Status          string
	StatusReason    string      `xml:",omitempty"`
	Capabilities    []string    `xml:"Capabilities>member,omitempty"`
	Tags            []xmlTag    `xml:"Tags>member,omitempty"`
	Changes         []xmlChange `xml:"Changes>member"`
	OnStackFailure  string      `xml:",omitempty"`
	DeploymentMode  string      `xml:",omitempty"`
}

type xmlChangeSetSummary struct {
	StackId         string
	StackName       string
	ChangeSetId     string
	ChangeSetName   string
	ExecutionStatus string
	Status          string
	StatusReason    string `xml:",omitempty"`
	CreationTime    string
	Description     string `xml:",omitempty"`
}

type listChangeSetsResult struct {
	Summaries []xmlChangeSetSummary `xml:"Summaries>member"`
}

type stackIDResult struct {
	StackId string
}

func xmlParams(ps []paramValue) []xmlParameter {
	var out []xmlParameter
	for _, p := range maskedParams(ps) {
		out = append(out, xmlParameter{ParameterKey: p.Key, ParameterValue: p.Value, ResolvedValue: p.Resolved})
	}
	return out
}

func xmlTags(ts []tag) []xmlTag {
	var out []xmlTag
	for _, t := range ts {
		out = append(out, xmlTag(t))
	}
	return out
}
