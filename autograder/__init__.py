"""Instructor side of the LSTM course: build, run and grade notebooks with nbgrader."""
