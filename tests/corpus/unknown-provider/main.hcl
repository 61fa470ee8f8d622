provider "nosuchcloud" {}
