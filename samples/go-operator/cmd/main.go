// A stand-in for a Kubebuilder manager: the sample is about how the image is built, not about reconciling.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Printf("memcached-operator manager on %s/%s\n", runtime.GOOS, runtime.GOARCH)
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println("v0.1.0")
	}
}
