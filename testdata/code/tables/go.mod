module example.com/codetables

go 1.27
