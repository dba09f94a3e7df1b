package config_test

import (
	"reflect"
	"testing"
	"time"
)

func TestTRTCRoomMembersAndTTL(t *testing.T) {
	cfg, err := ks.Parse("c.toml", []byte(lines(`[[account]]`, `name = "meet"`, `kind = "trtc"`, `endpoint = "https://signaling.rtc-web.com"`,
		`sdk_app_id = 1400000000`, `secret_key = "k"`, `user_id = "desk-1"`, `usersig_ttl = "2h"`,
		`rooms = ["lobby", {name = "8080", members = ["alice", "bob"]}]`)))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	if !reflect.DeepEqual(a.TRTCRooms, []string{"lobby", "8080"}) {
		t.Errorf("rooms %v", a.TRTCRooms)
	}
	if !reflect.DeepEqual(a.TRTCMembers, map[string][]string{"8080": {"alice", "bob"}}) {
		t.Errorf("members %v", a.TRTCMembers)
	}
	if a.UserSigTTL != 2*time.Hour {
		t.Errorf("usersig_ttl %v", a.UserSigTTL)
	}
}
