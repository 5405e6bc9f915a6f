package cfnlocal

// maxTokens bounds the remembered request tokens.
const maxTokens = 1000

// tokenFields names the idempotency token parameter of each action that
// has one. A retry carrying a token whose first call succeeded gets that
// call's result again instead of being applied twice, which is what lets a
// client retry safely after losing a response.
var tokenFields = map[string]string{
	"CreateChangeSet":        "ClientToken",
	"CreateStack":            "ClientRequestToken",
	"ExecuteChangeSet":       "ClientRequestToken",
	"DeleteStack":            "ClientRequestToken",
	"ContinueUpdateRollback": "ClientRequestToken",
}

// tokenKey returns the cache key of a call, or "" if it carries no token.
func tokenKey(action string, f form) string {
	field, ok := tokenFields[action]
	if !ok {
		return ""
	}
	tok := f.get(field)
	if tok == "" {
		return ""
	}
	return action + "\x00" + tok
}

// tokenResult returns the remembered result of an earlier call.
func (s *Server) tokenResult(key string) (any, bool) {
	if key == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.tokens[key]
	return r, ok
}

// rememberToken records a successful call's result, dropping the oldest
// beyond maxTokens.
func (s *Server) rememberToken(key string, result any) {
	if key == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tokens[key]; ok {
		return
	}
	s.tokens[key] = result
	s.tokenOrder = append(s.tokenOrder, key)
	if len(s.tokenOrder) > maxTokens {
		delete(s.tokens, s.tokenOrder[0])
		s.tokenOrder = s.tokenOrder[1:]
	}
}
