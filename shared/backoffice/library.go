package backoffice

// ItemCounts is how many learners of a program are enrolled in one
// catalogue item now, and how many ever completed it. The enrollment and
// activity writes keep them, in the same transactions.
type ItemCounts struct {
	Enrolled  int `json:"enrolled" dynamodbav:"enrolled"`
	Completed int `json:"completed" dynamodbav:"completed"`
}
