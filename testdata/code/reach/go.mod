module candor.test/reach

go 1.21
