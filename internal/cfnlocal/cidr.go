package cfnlocal

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
)

// cidrSubnets implements Fn::Cidr: count consecutive subnets, each with
// cidrBits host bits, carved from the start of ipBlock.
func cidrSubnets(ipBlock string, count, cidrBits int) ([]any, error) {
	prefix, err := netip.ParsePrefix(ipBlock)
	if err != nil {
		return nil, fmt.Errorf("Template error: Fn::Cidr requires a valid CIDR block, got %q", ipBlock)
	}
	prefix = prefix.Masked()
	total := prefix.Addr().BitLen()
	newLen := total - cidrBits
	if count < 1 || count > 256 {
		return nil, errors.New("Template error: Fn::Cidr count must be between 1 and 256")
	}
	if cidrBits < 0 || newLen < prefix.Bits() {
		return nil, fmt.Errorf("Template error: Fn::Cidr cidrBits %d does not fit in %s", cidrBits, ipBlock)
	}
	if avail := newLen - prefix.Bits(); avail < 9 && count > 1<<avail {
		return nil, fmt.Errorf("Template error: Fn::Cidr cannot make %d subnets of /%d from %s", count, newLen, ipBlock)
	}
	base := new(big.Int).SetBytes(prefix.Addr().AsSlice())
	step := new(big.Int).Lsh(big.NewInt(1), uint(cidrBits))
	out := make([]any, 0, count)
	for i := 0; i < count; i++ {
		n := new(big.Int).Add(base, new(big.Int).Mul(step, big.NewInt(int64(i))))
		buf := make([]byte, total/8)
		n.FillBytes(buf)
		addr, _ := netip.AddrFromSlice(buf)
		out = append(out, netip.PrefixFrom(addr, newLen).String())
	}
	return out, nil
}

// cidrArgs validates Fn::Cidr's evaluated arguments.
func cidrArgs(ev any) ([]any, error) {
	a, ok := ev.([]any)
	if !ok || len(a) != 3 {
		return nil, errors.New("Template error: Fn::Cidr requires three parameters: ipBlock, count and cidrBits")
	}
	block, ok := a[0].(string)
	count, err1 := strconv.Atoi(scalarString(a[1]))
	bits, err2 := strconv.Atoi(scalarString(a[2]))
	if !ok || err1 != nil || err2 != nil {
		return nil, errors.New("Template error: Fn::Cidr requires three parameters: ipBlock, count and cidrBits")
	}
	return cidrSubnets(block, count, bits)
}
