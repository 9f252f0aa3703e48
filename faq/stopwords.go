package faq

import "strings"

// stopwords are folded words of the four languages that carry no topic:
// "how do I get a PESEL" searches for "pesel".
var stopwords = foldSet(strings.Fields(`
	і й та в у на з зі до що як це для не по за чи мені я мій моя мою де коли який яка яке
	треба потрібно хочу можна мати є або від про при але ще вже
	и в во с со что как это для не по за ли мне я мой моя где когда какой какая какое нужно
	надо хочу можно есть или от о об при но еще уже
	i w we z ze do że jak to dla nie po za czy mi mnie ja mój moja gdzie kiedy jaki jaka jakie
	jest są się o od a lub ale przy już jeszcze chcę potrzebuję można muszę mam
	the a an and or to of in on at for is are be i my me how what where when which do does
	can could need want with about it get have has from please
	можу може можете могу может можно підкажіть підкажи скажіть скажи подскажите подскажи скажите будь ласка пожалуйста
	mogę możesz może proszę powiedz powiedzcie tell know would should
	скільки сколько ile much many
`))

func foldSet(words []string) map[string]bool {
	set := make(map[string]bool, len(words))
	for _, w := range words {
		set[Fold(w)] = true
	}
	return set
}
